/** The metrics server's page and the count of MLflow's answers (njs 0.8 and later count; 0.7.9 answers 501). */
import { countResponse, metrics } from '../metrics-server';

export default { countResponse, metrics };
