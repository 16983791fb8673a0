package io.ferry.bench.kafka;

/** One way of producing a run's records to Kafka; a run is called from one thread at a time. */
interface BenchSide {
    /** The name in the report. */
    String name();

    /**
     * Publishes {@code records} records to {@code topic} (which exists), waits for every
     * acknowledgement and returns the figures; the end offsets are read by the caller.
     *
     * @throws IllegalStateException when acknowledgements do not all arrive in time
     */
    RunResult run(String topic, int records) throws Exception;
}
