// kinesalite ships no types; this is the part of its API the local stack uses.
declare module 'kinesalite' {
  import type { Server } from 'node:http';

  interface KinesaliteOptions {
    /** A LevelDB folder to keep the streams in; in memory when absent. */
    path?: string;
    /** How long CreateStream, DeleteStream and UpdateShardCount keep the stream CREATING/... (ms). */
    createStreamMs?: number;
    deleteStreamMs?: number;
    updateStreamMs?: number;
    shardLimit?: number;
    ssl?: boolean;
  }

  function kinesalite(options?: KinesaliteOptions): Server;
  export = kinesalite;
}
