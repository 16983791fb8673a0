package io.ferry.deadletter;

import java.util.Objects;

/**
 * One record of a {@link LocalDeadLetter} with the id the store gave it; immutable.
 *
 * @param id the id, unique and increasing in the store's directory
 * @param record the record
 */
public record DeadLetterEntry(long id, DeadLetterRecord record) {
    /** Validates. */
    public DeadLetterEntry {
        Objects.requireNonNull(record, "record");
    }
}
