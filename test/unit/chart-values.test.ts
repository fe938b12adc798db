/**
 * The Helm chart's values.yaml against its values.schema.json: the defaults are valid, every value is described
 * (the README's table is generated from the descriptions), a misspelt value is refused, and no default is a
 * secret. Rendering and the Kubernetes schema: test/chart/chart.test.ts.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { chartValueLeaves, readChartValues } from '../../scripts/docs.mjs';

const { schema, values } = readChartValues();

/** Every object schema of the values, with its dotted path. */
function objectSchemas(node: any, path = ''): [string, any][] {
  if (!node.properties) return [];
  return [[path, node], ...Object.entries(node.properties).flatMap(([name, child]) => objectSchemas(child, path ? `${path}.${name}` : name))];
}

describe('deploy/helm/mlflow-uma-gate values', () => {
  const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

  it('has defaults valid against values.schema.json', () => {
    expect(validate(values) ? [] : validate.errors).toEqual([]);
  });

  it('refuses values it does not know, at every level', () => {
    expect(objectSchemas(schema).filter(([, node]) => node.additionalProperties !== false).map(([path]) => path)).toEqual([]);
    expect(validate({ ...values, gate: { ...values.gate, replica: 3 } })).toBe(false);
  });

  it('describes every value, and has a default for each', () => {
    const leaves = chartValueLeaves(schema, values);
    expect(leaves.filter(([, property]) => !property.description).map(([key]) => key)).toEqual([]);
    expect(leaves.filter(([, , value]) => value === undefined).map(([key]) => key)).toEqual([]);
  });

  it('has no secret among its defaults: secrets are named Secrets, or generated', () => {
    const named = chartValueLeaves(schema, values).filter(([key]) => /existingSecret$|secretName$|tlsSecretName$/.test(key));
    expect(named.length).toBeGreaterThanOrEqual(6);
    expect(named.filter(([, , value]) => value !== '').map(([key]) => key)).toEqual([]);
    expect(chartValueLeaves(schema, values).filter(([key]) => /password|token/i.test(key)).map(([key]) => key)).toEqual([]);
  });
});
