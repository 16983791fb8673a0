package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ferry.broker.BrokerConfig;
import io.ferry.kafka.KafkaSettings;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Issue 15: a gateway started on every interface without TLS or authentication (the defaults of
 * {@code ferry serve}) warns at start for its HTTP and gRPC ports; on loopback it does not. Kafka
 * need not be up for the start.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExposureIT {
    private static GatewayConfig config(String host) {
        return GatewayConfig.of(
                        KafkaSettings.from(Map.of("bootstrap.servers", "127.0.0.1:1")),
                        BrokerConfig.of("memory", Map.of("events", 1024)))
                .withHost(host)
                .withPort(0);
    }

    private static List<String> warningsAtStart(GatewayConfig c) {
        Logger log = (Logger) LoggerFactory.getLogger(Gateway.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try (Gateway g = Gateway.start(c)) {
            assertThat(g.port()).isPositive();
            return lines.list.stream()
                    .filter(e -> e.getLevel() == Level.WARN)
                    .map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("reachable from other machines"))
                    .toList();
        } finally {
            log.detachAppender(lines);
        }
    }

    @Test
    void everyInterface_withoutTlsOrAuthentication_warnsForTheHttpAndTheGrpcPort() {
        List<String> w = warningsAtStart(config("0.0.0.0"));
        assertThat(w).hasSize(2);
        assertThat(w.get(0))
                .startsWith("the HTTP port on 0.0.0.0:")
                .contains("without TLS or authentication");
        assertThat(w.get(1)).startsWith("the gRPC port on 0.0.0.0:");
    }

    @Test
    void loopback_startsWithoutWarning() {
        assertThat(warningsAtStart(config("127.0.0.1"))).isEmpty();
    }
}
