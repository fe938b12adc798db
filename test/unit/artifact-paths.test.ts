import { describe, expect, it } from 'vitest';
import { artifactPathProblem } from '../../src/core/artifact-paths';

const LIST = '/api/2.0/mlflow-artifacts/artifacts';
const FILE = '/ajax-api/2.0/mlflow-artifacts/artifacts/<path:artifact_path>';
const UPLOAD = '/api/2.0/mlflow-artifacts/mpu/create/<path:artifact_path>';

describe('artifactPathProblem', () => {
  it("lets a listing's path lead into workspaces/ only towards the request's own workspace", () => {
    expect(artifactPathProblem(LIST, LIST, '', '')).toBeNull();
    expect(artifactPathProblem(LIST, LIST, 'path=1/abc/artifacts', '')).toBeNull();
    expect(artifactPathProblem(LIST, LIST, 'path=workspaces/default/1', '')).toBeNull();
    expect(artifactPathProblem(LIST, LIST, 'path=workspaces/team-a/1', 'team-a')).toBeNull();
    expect(artifactPathProblem(LIST, LIST, 'path=1/abc/', '')).toBeNull();
    expect(artifactPathProblem(LIST, LIST, 'path=workspaces/', '')).not.toBeNull();
    for (const query of ['path=workspaces', 'path=workspaces/team-b', 'path=workspaces%2Fteam-b', 'path=workspaces/team-b/3']) {
      expect([query, artifactPathProblem(LIST, LIST, query, '')]).toEqual([query, expect.stringContaining('own workspace')]);
    }
    expect(artifactPathProblem(LIST, LIST, 'path=workspaces/default', 'team-a')).not.toBeNull();
  });

  it('refuses hidden prefixes, absolute paths, backslashes and a second path', () => {
    for (const query of ['path=./workspaces/team-b', 'path=%2E/workspaces/team-b', 'path=.%2Fworkspaces', 'path=a/../b', 'path=/etc', 'path=a%5Cb', 'path=a//b']) {
      expect([query, artifactPathProblem(LIST, LIST, query, '')]).toEqual([query, expect.any(String)]);
    }
    expect(artifactPathProblem(LIST, LIST, 'path=x&path=./workspaces/team-b', '')).toContain('one path');
    expect(artifactPathProblem(LIST, LIST, 'path=%E0%A4%A', '')).not.toBeNull();
  });

  it('checks the path in the URL of the other artifact routes the same way', () => {
    expect(artifactPathProblem(FILE, '/ajax-api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/a.txt', '', '')).toBeNull();
    expect(artifactPathProblem(FILE, '/ajax-api/2.0/mlflow-artifacts/artifacts/workspaces/team-b/1/a.txt', '', '')).not.toBeNull();
    expect(artifactPathProblem(UPLOAD, '/api/2.0/mlflow-artifacts/mpu/create/workspaces/team-a/1/a.bin', '', 'team-a')).toBeNull();
    expect(artifactPathProblem(UPLOAD, '/api/2.0/mlflow-artifacts/mpu/create/workspaces/team-b/1/a.bin', '', 'team-a')).not.toBeNull();
    expect(artifactPathProblem('/api/2.0/mlflow/runs/get', '/api/2.0/mlflow/runs/get', 'path=workspaces', '')).toBeNull();
  });
});
