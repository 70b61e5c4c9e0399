import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

describe('lint rule: functions/core is pure', () => {
  const eslint = new ESLint({ cwd: process.cwd() });

  it.each([
    ["import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", 'functions/core/controls/x.ts', 1],
    ["import { readFile } from 'node:fs/promises';", 'functions/core/plan/x.ts', 1],
    ["import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", 'functions/aws/x.ts', 0],
  ])('%s in %s gives %i purity error(s)', async (code, filePath, expected) => {
    // Prepare / Act
    const [result] = await eslint.lintText(`${code}\nexport const used = ${code.includes('readFile') ? 'readFile' : 'DynamoDBClient'};\n`, { filePath });
    // Assess
    expect(result!.messages.filter((message) => message.ruleId === 'no-restricted-imports')).toHaveLength(expected);
  });
});
