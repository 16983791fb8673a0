package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A cluster's consumption once closed (the gateway shuts down): it consumes nothing more. */
class ConsumeClusterTest {
    @Test
    void subscribe_afterClose_isRefusedClosing_sayingShuttingDown_andStartsNoEngine() {
        ConsumeCluster c =
                new ConsumeCluster(
                        "default",
                        null,
                        ConsumeConfig.DEFAULT,
                        () -> {
                            throw new AssertionError("no consume engine is started after close");
                        },
                        () -> 0L);
        c.close();
        assertThatThrownBy(() -> c.subscribe("g", "t"))
                .isInstanceOfSatisfying(
                        ConsumeRefused.class,
                        r -> {
                            assertThat(r.code).isEqualTo(ConsumeRefused.Code.CLOSING);
                            assertThat(r.getMessage())
                                    .contains("shutting down")
                                    .doesNotContain("idle");
                        });
    }
}
