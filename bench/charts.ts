/** `npm run bench:charts`: redraws docs/bench/*.svg from bench/results/*.json, without measuring anything. */
import { writeCharts } from "./lib/summary";

for (const chart of writeCharts()) process.stdout.write(`docs/bench/${chart.name}.svg: ${chart.title}\n`);
