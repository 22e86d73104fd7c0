// Preloaded into `npm start` by start-stop.test.ts (node --import): once DynamoDB Local is up,
// raises an error the way a library or a child process's handle does when an 'error' event has
// no listener: thrown from an event callback, outside any start-up step.
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';

const port = Number(process.env.SHELF_DYNAMODB_PORT);
const poll = setInterval(() => {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.once('error', () => socket.destroy());
  socket.once('connect', () => {
    socket.destroy();
    clearInterval(poll);
    new EventEmitter().emit('error', new Error('a library failed outside any start-up step'));
  });
}, 100);
poll.unref();
