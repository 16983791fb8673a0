package io.ferry.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Issue 15: {@code ferry dev} listens on loopback unless {@code --host} says otherwise (its HTTP
 * port, gRPC port and kafka-pixy listener all use {@code --host}; {@code DevModeIT} checks the
 * started gateway's log line).
 */
class FerryDevDefaultsTest {
    @Test
    void dev_listensOnLoopback_byDefault() {
        FerryCli.Dev dev = CommandLine.populateCommand(new FerryCli.Dev());
        assertThat(dev.host).isEqualTo("127.0.0.1");
        FerryCli.Dev everywhere =
                CommandLine.populateCommand(new FerryCli.Dev(), "--host", "0.0.0.0");
        assertThat(everywhere.host).as("only when asked").isEqualTo("0.0.0.0");
    }
}
