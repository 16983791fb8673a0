package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FatalErrorsTest {
    private static Thread dying(String name, Throwable t, FatalErrors f) {
        Thread th =
                new Thread(
                        () -> {
                            if (t instanceof Error e) {
                                throw e;
                            }
                            throw (RuntimeException) t;
                        },
                        name);
        th.setUncaughtExceptionHandler(f);
        return th;
    }

    @Test
    void aDeadFerryThread_marksTheProcessFailed_andExitsWithStatus70() throws Exception {
        CompletableFuture<Integer> exited = new CompletableFuture<>();
        FatalErrors f = new FatalErrors(exited::complete, 60_000);
        Thread t = dying("ferry-kafka-output", new IllegalStateException("boom"), f);
        t.start();
        t.join();
        assertThat(exited.get(10, TimeUnit.SECONDS)).isEqualTo(FatalErrors.EXIT_STATUS);
        assertThat(f.failure()).isEqualTo("thread ferry-kafka-output died: IllegalStateException");
    }

    @Test
    void anOutOfMemoryErrorInAnyThread_isFatal_anExceptionInAForeignThreadIsNot() throws Exception {
        CompletableFuture<Integer> exited = new CompletableFuture<>();
        FatalErrors f = new FatalErrors(exited::complete, 60_000);
        Thread other = dying("HttpClient-1-Worker-0", new IllegalStateException("meh"), f);
        other.start();
        other.join();
        assertThat(f.failure()).isNull();
        assertThat(exited).isNotDone();

        f.onVertxException(new IllegalArgumentException("a handler's bug"));
        assertThat(f.failure()).as("a handler's exception is the request's").isNull();
        f.onVertxException(new OutOfMemoryError("Java heap space"));
        assertThat(exited.get(10, TimeUnit.SECONDS)).isEqualTo(70);
        assertThat(f.failure()).isEqualTo("an event loop failed: OutOfMemoryError");

        // the first failure wins; a second one neither exits again nor changes the reason
        Thread second = dying("vert.x-eventloop-thread-1", new StackOverflowError(), f);
        second.start();
        second.join();
        assertThat(f.failure()).isEqualTo("an event loop failed: OutOfMemoryError");
    }

    @Test
    void memoryBounds_areShareOfTheHeap() {
        long heap = 1L << 30;
        assertThat(MemoryBounds.brokerBytes(heap, 1)).isEqualTo(heap / 4);
        assertThat(MemoryBounds.brokerBytes(heap, 2)).isEqualTo(heap / 8);
        assertThat(MemoryBounds.inFlightBodyBytes(heap, 1 << 20)).isEqualTo(heap / 8);
        assertThat(MemoryBounds.inFlightBodyBytes(4 << 20, 1 << 20))
                .as("at least one body")
                .isEqualTo(1 << 20);
        io.ferry.broker.BrokerConfig none = io.ferry.broker.BrokerConfig.of("memory");
        assertThat(MemoryBounds.withHeapBound(none, heap, 1).settings())
                .containsEntry("bytes", heap / 4);
        io.ferry.broker.BrokerConfig own =
                io.ferry.broker.BrokerConfig.of("memory", java.util.Map.of("bytes", "1MiB"));
        assertThat(MemoryBounds.withHeapBound(own, heap, 1)).isSameAs(own);
    }

    @Test
    void bodyBudget_refusesBeyondItsBound_butAlwaysLetsOneBodyIn() {
        BodyBudget b = new BodyBudget(100);
        assertThat(b.tryReserve(60)).isTrue();
        assertThat(b.tryReserve(60)).isFalse();
        assertThat(b.used()).isEqualTo(60);
        b.release(60);
        assertThat(b.tryReserve(500)).as("alone").isTrue();
        assertThat(b.tryReserve(1)).isFalse();
    }
}
