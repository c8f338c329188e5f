// Where standing topologies are kept. Apart from state.ts so that the CLI
// can name it in its help without loading the topology layer.
import { JOURNAL_DIR } from '../netns/journal.js';

export const TOPOLOGY_DIR = `${JOURNAL_DIR}/topologies`;
