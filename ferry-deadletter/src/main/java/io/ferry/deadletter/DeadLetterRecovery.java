package io.ferry.deadletter;

import java.util.List;

/**
 * What {@link LocalDeadLetter#open} found in its directory; immutable.
 *
 * @param filesScanned data files read
 * @param recordsFound complete record frames found in them
 * @param recordsLive of those, the records not removed
 * @param bytesTruncated bytes cut off torn or corrupt file tails
 * @param problems one line per torn tail, corrupt frame or file set aside, for operators; empty
 *     when the directory was clean
 */
public record DeadLetterRecovery(
        int filesScanned,
        long recordsFound,
        long recordsLive,
        long bytesTruncated,
        List<String> problems) {
    /** Copies the list. */
    public DeadLetterRecovery {
        problems = List.copyOf(problems);
    }

    /** True when nothing was torn, corrupt or set aside. */
    public boolean clean() {
        return problems.isEmpty();
    }
}
