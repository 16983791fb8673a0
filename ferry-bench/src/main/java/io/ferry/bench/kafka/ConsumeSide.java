package io.ferry.bench.kafka;

/**
 * One way of consuming a topic for {@link ConsumeBenchReport}: KafkaConsumer, or Ferry's {@code
 * GroupConsumer} with one of its acknowledgement modes. A side opens one {@link Session} per read;
 * a session is used by one thread.
 */
interface ConsumeSide {
    /** The side's display name in the report. */
    String name();

    /**
     * A fresh client as member of the fresh {@code group}, not subscribed yet (what is not timed:
     * constructing the client).
     */
    Session open(String group) throws Exception;

    /** Receives each delivered record; called on the session's thread. */
    @FunctionalInterface
    interface RecordSink {
        void record(int partition, long offset, byte[] value);
    }

    /** One client reading for one group; one thread. */
    interface Session extends AutoCloseable {
        /** Subscribes to {@code topic}: the clock of a read starts right before this call. */
        void subscribe(String topic);

        /**
         * Waits at most about a second for records, hands each to {@code sink}, then acknowledges
         * or commits them as the side does; returns how many were delivered.
         */
        int poll(RecordSink sink) throws InterruptedException;

        /** Acknowledges what the side holds back (an unfinished range), after the last poll. */
        default void finish() {}

        /** Fetch requests sent so far, or -1 when the client does not say. */
        long fetchRequests();

        /**
         * Fetch requests per round per node and the like, for the report, or empty; read before
         * close.
         */
        String fetchNote();

        /** Leaves the group (commits), closes the client. */
        @Override
        void close();
    }
}
