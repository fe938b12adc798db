/** Builds the pinned helm once (cached) and stages the project's files into the chart for the chart tests. */
import { installHelm } from '../../scripts/helm.mjs';
import { stageChartFiles } from '../../scripts/chart.mjs';

export default function setup() {
  installHelm();
  stageChartFiles();
}
