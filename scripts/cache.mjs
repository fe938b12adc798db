// Where downloads and installs are cached between runs and clones.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const cacheDir = process.env.MLFLOW_UMA_GATE_CACHE || join(homedir(), '.cache', 'mlflow-uma-gate');
