/**
 * The dead letter: events that cannot be delivered, kept with why. {@link
 * io.ferry.deadletter.DeadLetterRecord} is one such event and its failure; {@link
 * io.ferry.deadletter.DeadLetterHeaders} its Kafka form (the original record plus {@code
 * ferry.dlq.*} headers); {@link io.ferry.deadletter.LocalDeadLetter} the local store of CRC-checked
 * files, the fallback when the dead-letter topic cannot be written. The format is in {@code
 * docs/dead-letter.md}.
 */
package io.ferry.deadletter;
