/**
 * Profiles the pure planner (`node --cpu-prof`): `npx tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile-planner.ts [tables] [converged|drifted]`.
 * Runs `plan` repeatedly on the same synthetic account as `npm run bench`, so hot spots show in the profile.
 */
import { plannerFigure, type PlannerScenario } from './support/planner.ts';

const tables = Number(process.argv[2] ?? 10_000);
const scenario = (process.argv[3] ?? 'drifted') as PlannerScenario;
const runs = Number(process.argv[4] ?? 10);
const figure = await plannerFigure(scenario, tables, runs, Math.max(2, Math.ceil(runs / 4)));
process.stdout.write(`${scenario}, ${tables} tables: ${figure.usPerTable.toFixed(2)} µs per table wall, ${figure.cpuUsPerTable.toFixed(2)} µs CPU, ${(figure.gcShare * 100).toFixed(0)}% GC (median of ${figure.runs})\n`);
