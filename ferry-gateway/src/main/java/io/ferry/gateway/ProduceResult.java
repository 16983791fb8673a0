package io.ferry.gateway;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The answer to one {@link ProduceService#produce} call; immutable once handed out, any thread.
 * Either the whole request was refused ({@link #refusal()}, nothing accepted), or there is one
 * {@link RecordResult} per record, in the request's order.
 */
final class ProduceResult {
    /** One record accepted at ack none/local: shared, nothing allocated for the hot path. */
    static final ProduceResult ACCEPTED_ONE =
            new ProduceResult(null, new RecordResult[] {RecordResult.ACCEPTED});

    private final ProduceRefusal refusal;
    private final RecordResult[] records;

    private ProduceResult(ProduceRefusal refusal, RecordResult[] records) {
        this.refusal = refusal;
        this.records = records;
    }

    /** The whole request refused: nothing was accepted. */
    static ProduceResult refused(ProduceRefusal why) {
        return new ProduceResult(why, new RecordResult[0]);
    }

    /** One result per record; the array is handed over (not copied). */
    static ProduceResult of(RecordResult[] records) {
        return new ProduceResult(null, records);
    }

    /** Why the whole request was refused, or null when each record has its result. */
    ProduceRefusal refusal() {
        return refusal;
    }

    /** The number of record results (0 when refused). */
    int size() {
        return records.length;
    }

    /** The result of record {@code i}. */
    RecordResult record(int i) {
        return records[i];
    }

    /** The record results in order (empty when refused). */
    List<RecordResult> records() {
        return Collections.unmodifiableList(Arrays.asList(records));
    }

    @Override
    public String toString() {
        return refusal != null ? "refused " + refusal : Arrays.toString(records);
    }
}
