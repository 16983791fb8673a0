package io.ferry.broker.disk;

/** When the disk broker forces written events to the device before acking producers; immutable. */
public enum FsyncMode {
    /**
     * The default: a group of events is forced ({@code fdatasync}) before its producers are acked
     * and before consumers can read it. Nothing acknowledged is lost on a crash of the process or
     * the machine.
     */
    ALWAYS,
    /**
     * RISKY: events are written to the operating system and acked without forcing them. A crash of
     * the process loses nothing the OS received, but a crash of the machine or a power loss loses
     * acknowledged events (whatever the OS had not flushed yet) and may leave a torn tail, which
     * recovery truncates. The checkpoint is not forced either.
     */
    NEVER
}
