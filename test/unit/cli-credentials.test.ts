import { describe, expect, it } from 'vitest';
import { iniValue, parseIni, renderIni, withIniValues } from '../../cli/mlflow-uma-gate.mjs';

describe('the credentials file of mlflow-uma-gate login', () => {
  const existing = '[other]\nkey = value\n\n[mlflow]\nmlflow_tracking_insecure_tls = false\nmlflow_tracking_username = old\n';

  it('sets its keys and leaves everything else as it was', () => {
    const written = renderIni(
      withIniValues(parseIni(existing), 'mlflow', { mlflow_tracking_username: 'ada', mlflow_tracking_password: 'a.b.c' }),
    );
    const sections = parseIni(written);
    expect(iniValue(sections, 'other', 'key')).toBe('value');
    expect(iniValue(sections, 'mlflow', 'mlflow_tracking_insecure_tls')).toBe('false');
    expect(iniValue(sections, 'mlflow', 'mlflow_tracking_username')).toBe('ada');
    expect(iniValue(sections, 'mlflow', 'mlflow_tracking_password')).toBe('a.b.c');
  });

  it('removes its keys on logout and drops sections left empty', () => {
    const loggedIn = withIniValues(parseIni(''), 'mlflow', { mlflow_tracking_username: 'ada', mlflow_tracking_password: 'x' });
    expect(withIniValues(loggedIn, 'mlflow', { mlflow_tracking_username: undefined, mlflow_tracking_password: undefined })).toEqual([]);
    const kept = withIniValues(parseIni(existing), 'mlflow', { mlflow_tracking_username: undefined });
    expect(renderIni(kept)).toBe('[other]\nkey = value\n\n[mlflow]\nmlflow_tracking_insecure_tls = false\n');
  });
});
