/**
 * The consume engine: group members, fetch and commit executors mapped per node, and the offset
 * trackers of per-message acknowledgements (CONSUME-NOTES.md, {@code docs/consume.md}).
 */
package io.ferry.kafka.consume;
