// Starts a throwaway standalone ZooKeeper and prints its address until interrupted (for trying things by hand).
import { startCluster } from '../test/helpers/zk-server.js';
const cluster = await startCluster(1);
console.log(cluster.connectString);
const stop = () => { void cluster.stop().then(() => process.exit(0)); };
process.on('SIGINT', stop).on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
