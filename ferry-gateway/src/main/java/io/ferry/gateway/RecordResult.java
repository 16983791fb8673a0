package io.ferry.gateway;

/**
 * What became of one record of a produce request; immutable, any thread. Exactly one of: accepted
 * (ack none/local: in the broker, no offset known yet), delivered (ack kafka: its partition and
 * offset), or failed ({@link #failure()}).
 */
final class RecordResult {
    /** Accepted into the broker; shared, nothing allocated per record at ack none/local. */
    static final RecordResult ACCEPTED = new RecordResult(-1, -1, null);

    private final int partition;
    private final long offset;
    private final ProduceRefusal failure;

    private RecordResult(int partition, long offset, ProduceRefusal failure) {
        this.partition = partition;
        this.offset = offset;
        this.failure = failure;
    }

    /** Kafka stored the record at {@code offset} of {@code partition}. */
    static RecordResult delivered(int partition, long offset) {
        return new RecordResult(partition, offset, null);
    }

    /** The record failed, or its outcome is not known in time, because of {@code why}. */
    static RecordResult failed(ProduceRefusal why) {
        return new RecordResult(-1, -1, why);
    }

    /** The record failed, {@code code} and {@code message}. */
    static RecordResult failed(ProduceRefusal.Code code, String message) {
        return failed(new ProduceRefusal(code, message));
    }

    /** True when it did not fail. */
    boolean ok() {
        return failure == null;
    }

    /** True when Kafka stored it and its partition and offset are known. */
    boolean delivered() {
        return failure == null && partition >= 0;
    }

    /** The partition Kafka stored it in, or -1 unless {@link #delivered()}. */
    int partition() {
        return partition;
    }

    /** Its offset, or -1 unless {@link #delivered()}. */
    long offset() {
        return offset;
    }

    /** Why it failed, or null. */
    ProduceRefusal failure() {
        return failure;
    }

    @Override
    public String toString() {
        return failure != null
                ? "failed " + failure
                : delivered() ? "delivered " + partition + "@" + offset : "accepted";
    }
}
