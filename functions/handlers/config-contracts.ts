/**
 * The event and results of the config-sweep Lambda, as zod/mini schemas: the contract between the Reconcile state
 * machine (its SweepConfig and ReevaluateConfig states, state-machines/reconcile.ts) and the handler. Written the way
 * functions/handlers/contracts.ts is (zod/mini, English locale, each schema built only in the bundle that uses it),
 * in a module of its own so the other handlers' bundles never carry it. Results are small: the findings themselves
 * are in the run store.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import type { ConfigSweepRef } from '../run/config-sweep.ts';

// zod/mini sets no locale: without this an issue's message is a bare "Invalid input".
z.config(en());

/** Build a schema only in a bundle that uses it (see functions/handlers/contracts.ts). */
const schema = /* #__NO_SIDE_EFFECTS__ */ <T>(build: () => T): T => build();

/**
 * config-sweep: `sweep` (after load: read every rule's NON_COMPLIANT resources into the run store) or `evaluate`
 * (after the lock is released: StartConfigRulesEvaluation for the rules).
 */
export const configSweepEventSchema = schema(() =>
  z.object({
    action: z.enum(['sweep', 'evaluate']),
    /** The Reconcile execution's name: the findings go under runs/<runId>/config/. */
    runId: z.string().check(z.minLength(1)),
  }),
);
export type ConfigSweepEvent = z.input<typeof configSweepEventSchema>;

/**
 * What each action returns to the state machine: counts only (CONFIG_RULES may name any number of rules; the names
 * are in the handler's log and the findings document).
 */
export type ConfigSweepResult = ({ action: 'sweep' } & ConfigSweepRef) | { action: 'evaluate'; started: number; inProgress: number; missing: number };
