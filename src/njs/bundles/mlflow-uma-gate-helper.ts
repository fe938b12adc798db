/**
 * The helper server's handlers (nginx/mlflow-uma-gate.helper.conf): attribution runs for every request it rewrites,
 * the project handlers for decisions the project cache missed and the workspace routes the gate answers itself.
 */
import { attribute, exchange } from '../helper-server';
import { groupShares, projectDecision, projectLookup, projects } from '../project-server';

export default { attribute, exchange, groupShares, projectDecision, projectLookup, projects };
