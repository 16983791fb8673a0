/**
 * {@link io.ferry.broker.disk.DiskBroker}, the durable broker (type {@code disk}): events are
 * appended to CRC-checked segment files by one writer thread that fsyncs in groups and then acks
 * the producers; consumers read the segments back and their acks advance a checkpoint that is
 * written atomically. The on-disk format is in {@code docs/disk-format.md}.
 */
package io.ferry.broker.disk;
