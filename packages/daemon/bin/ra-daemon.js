#!/usr/bin/env node
// The npm bin: Node.js with the heap flags a streaming process needs (transport's streaming-heap), then the entry point.
import { relaunchWithStreamingHeap } from '@remote-agent/transport/streaming-heap';

relaunchWithStreamingHeap();
await import('../dist/main.js');
