// Starts a throwaway standalone ZooKeeper and prints its address until interrupted (for trying things by hand).
import { startCluster } from '../test/helpers/zk-server.js';
const cluster = await startCluster(1);
console.log(cluster.connectString);
setInterval(() => {}, 1 << 30); // SIGINT/SIGTERM: the harness kills the server (test/helpers/reaper.ts)
