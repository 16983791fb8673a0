package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GatewayConfigTest {
    private static final String MINIMAL =
            """
            clusters:
              default:
                kafka:
                  bootstrap.servers: localhost:9092
            """;

    @Test
    void minimal_takesEveryDefault() {
        GatewayConfig c = GatewayConfig.parse(MINIMAL);
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.eventLoops()).isEqualTo(2);
        assertThat(c.nativeTransport()).isTrue();
        assertThat(c.defaultAck()).isEqualTo(AckLevel.LOCAL);
        assertThat(c.maxBodyBytes()).isEqualTo(1_048_576);
        assertThat(c.maxConcurrentRequests()).isEqualTo(4096);
        assertThat(c.shutdownTimeoutMs()).isEqualTo(30_000);
        assertThat(c.retryAfterSeconds()).isEqualTo(1);
        assertThat(c.defaultCluster()).isEqualTo("default");
        assertThat(c.limits()).isEqualTo(GatewayConfig.Limits.DEFAULT);
        assertThat(c.limits().headerTimeoutMs()).isEqualTo(10_000);
        assertThat(c.limits().bodyTimeoutMs()).isEqualTo(30_000);
        assertThat(c.limits().idleTimeoutMs()).isEqualTo(60_000);
        assertThat(c.limits().maxConnections()).as("derived at start").isZero();
        assertThat(c.managementPort()).isEqualTo(GatewayConfig.MANAGEMENT_OFF);
        GatewayConfig.Cluster d = c.clusters().get("default");
        assertThat(d.kafka().bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(d.kafka().lingerMs()).isEqualTo(5);
        assertThat(d.broker().type()).isEqualTo("memory");
    }

    @Test
    void full_readsEverySetting_kafkaNamesPassThrough_brokerByName() {
        GatewayConfig c =
                GatewayConfig.parse(
                        """
                gateway:
                  host: 127.0.0.1
                  port: 9090
                  event-loops: 4
                  native-transport: false
                  default-ack: kafka
                  max-body-bytes: 2048
                  max-concurrent-requests: 10
                  shutdown-timeout-ms: 5000
                  retry-after-seconds: 3
                  default-cluster: eu
                clusters:
                  eu:
                    kafka:
                      bootstrap.servers: eu:9092
                      linger.ms: 20
                      compression.type: lz4
                      security.protocol: PLAINTEXT
                    broker:
                      type: disk
                      path: /var/lib/ferry
                  us:
                    kafka: {bootstrap.servers: "us:9092"}
                """);
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.nativeTransport()).isFalse();
        assertThat(c.port()).isEqualTo(9090);
        assertThat(c.eventLoops()).isEqualTo(4);
        assertThat(c.defaultAck()).isEqualTo(AckLevel.KAFKA);
        assertThat(c.maxBodyBytes()).isEqualTo(2048);
        assertThat(c.maxConcurrentRequests()).isEqualTo(10);
        assertThat(c.shutdownTimeoutMs()).isEqualTo(5000);
        assertThat(c.retryAfterSeconds()).isEqualTo(3);
        assertThat(c.defaultCluster()).isEqualTo("eu");
        GatewayConfig.Cluster eu = c.clusters().get("eu");
        assertThat(eu.kafka().lingerMs()).isEqualTo(20);
        assertThat(eu.kafka().compressionType()).isEqualTo("lz4");
        assertThat(eu.kafka().passThrough()).containsEntry("security.protocol", "PLAINTEXT");
        assertThat(eu.broker().type()).isEqualTo("disk");
        assertThat(eu.broker().settings()).containsEntry("path", "/var/lib/ferry");
        assertThat(c.clusters()).containsKeys("eu", "us");
    }

    @Test
    void theExampleFile_parses() {
        GatewayConfig c = GatewayConfig.load(java.nio.file.Path.of("ferry.example.yaml"));
        assertThat(c.clusters().get("default").kafka().compressionType()).isEqualTo("lz4");
        assertThat(c.clusters().get("default").broker().settings()).containsEntry("bytes", "64MiB");
    }

    @Test
    void defaultCluster_isTheFirstWhenNoneIsNamedDefault() {
        GatewayConfig c =
                GatewayConfig.parse("clusters:\n  main:\n    kafka: {bootstrap.servers: 'h:1'}\n");
        assertThat(c.defaultCluster()).isEqualTo("main");
    }

    @Test
    void unknownKeys_failNamingThem() {
        assertThatThrownBy(() -> GatewayConfig.parse("gateway:\n  prot: 1\n" + MINIMAL))
                .hasMessageContaining("gateway.prot")
                .hasMessageContaining("port");
        assertThatThrownBy(() -> GatewayConfig.parse("gatway: {}\n" + MINIMAL))
                .hasMessageContaining("'gatway'");
        assertThatThrownBy(() -> GatewayConfig.parse(MINIMAL + "      linger.msec: 5\n"))
                .hasMessageContaining("clusters.default.kafka.linger.msec")
                .hasMessageContaining("not a Kafka client setting");
        assertThatThrownBy(() -> GatewayConfig.parse(MINIMAL + "    brokr: {}\n"))
                .hasMessageContaining("clusters.default.brokr");
    }

    @Test
    void badValues_failNamingTheSettingAndWhatIsAccepted() {
        assertThatThrownBy(() -> GatewayConfig.parse("gateway:\n  port: eighty\n" + MINIMAL))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessageContaining("gateway.port")
                .hasMessageContaining("eighty")
                .hasMessageContaining("0..65535");
        assertThatThrownBy(() -> GatewayConfig.parse("gateway:\n  port: 70000\n" + MINIMAL))
                .hasMessageContaining("gateway.port is 70000");
        assertThatThrownBy(() -> GatewayConfig.parse("gateway:\n  default-ack: all\n" + MINIMAL))
                .hasMessageContaining("gateway.default-ack")
                .hasMessageContaining("none, local or kafka");
        assertThatThrownBy(() -> GatewayConfig.parse(MINIMAL + "      linger.ms: soon\n"))
                .hasMessageContaining("clusters.default.kafka")
                .hasMessageContaining("linger.ms");
        assertThatThrownBy(
                        () -> GatewayConfig.parse("gateway:\n  default-cluster: nope\n" + MINIMAL))
                .hasMessageContaining("default-cluster")
                .hasMessageContaining("nope")
                .hasMessageContaining("[default]");
        assertThatThrownBy(
                        () -> GatewayConfig.parse("clusters:\n  a:\n    broker: {type: memory}\n"))
                .hasMessageContaining("clusters.a.kafka is missing");
        assertThatThrownBy(
                        () -> GatewayConfig.parse("clusters:\n  a:\n    kafka: {linger.ms: 1}\n"))
                .hasMessageContaining("bootstrap.servers");
        assertThatThrownBy(() -> GatewayConfig.parse("gateway: {port: 1}\n"))
                .hasMessageContaining("clusters is missing");
        assertThatThrownBy(() -> GatewayConfig.parse("clusters: [\n"))
                .hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> GatewayConfig.parse("")).hasMessageContaining("empty");
    }

    @Test
    void timeoutsConnectionsAndManagementPort_areRead_andBadOnesFailNamingThem() {
        GatewayConfig c =
                GatewayConfig.parse(
                        "gateway:\n  header-timeout-ms: 1000\n  body-timeout-ms: 2000\n"
                                + "  idle-timeout-ms: 3000\n  max-connections: 500\n"
                                + "  max-in-flight-body-bytes: 4096\n"
                                + "  management-port: 9091\n"
                                + MINIMAL);
        assertThat(c.limits()).isEqualTo(new GatewayConfig.Limits(1000, 2000, 3000, 500, 4096));
        assertThat(c.managementPort()).isEqualTo(9091);
        assertThat(GatewayConfig.parse("gateway:\n  management-port: off\n" + MINIMAL))
                .extracting(GatewayConfig::managementPort)
                .isEqualTo(GatewayConfig.MANAGEMENT_OFF);
        assertThatThrownBy(() -> GatewayConfig.parse("gateway:\n  body-timeout-ms: 0\n" + MINIMAL))
                .hasMessageContaining("gateway.body-timeout-ms is 0; expected 1..3600000");
        assertThatThrownBy(
                        () ->
                                GatewayConfig.parse(
                                        "gateway:\n  port: 9000\n  management-port: 9000\n"
                                                + MINIMAL))
                .hasMessageContaining("gateway.management-port is the same as gateway.port");
        assertThatThrownBy(() -> GatewayConfig.parse("gateway:\n  management-port: on\n" + MINIMAL))
                .hasMessageContaining("gateway.management-port");
    }

    @Test
    void derivedConnectionLimit_leavesRoomBelowTheFdLimit() {
        assertThat(FdLimits.derivedMaxConnections(256, 120)).isEqualTo(16);
        assertThat(FdLimits.derivedMaxConnections(320, 123)).isEqualTo(69);
        assertThat(FdLimits.derivedMaxConnections(1024, 124)).isEqualTo(675);
        assertThat(FdLimits.derivedMaxConnections(2048, 124)).isEqualTo(1443);
        assertThat(FdLimits.derivedMaxConnections(1 << 20, 200)).isEqualTo(65_536);
        assertThat(FdLimits.derivedMaxConnections(FdLimits.UNKNOWN, 0)).isEqualTo(4096);
    }

    @Test
    void environmentVariables_areSubstitutedInValues_withDefaults_andAnUnsetOneFailsNamingIt() {
        java.util.Map<String, String> env =
                java.util.Map.of("KAFKA", "k1:9092,k2:9092", "PORT", "9191", "EMPTY", "");
        GatewayConfig c =
                GatewayConfig.parse(
                        """
                        gateway:
                          port: ${PORT}
                          management-port: ${MGMT:-9192}
                          host: "${HOST:-127.0.0.1}"
                          default-cluster: ${EMPTY:-main}
                        clusters:
                          main:
                            kafka:
                              bootstrap.servers: ${KAFKA}
                              client.id: "ferry-$${literal}"
                            broker: {type: memory, events: "${EVENTS:-1024}"}
                        """,
                        env::get);
        assertThat(c.port()).isEqualTo(9191);
        assertThat(c.managementPort()).isEqualTo(9192);
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.defaultCluster()).as("empty counts as unset, as in a shell").isEqualTo("main");
        assertThat(c.clusters().get("main").kafka().bootstrapServers())
                .isEqualTo("k1:9092,k2:9092");
        assertThat(c.clusters().get("main").kafka().clientId()).isEqualTo("ferry-${literal}");
        assertThat(c.clusters().get("main").broker().settings()).containsEntry("events", "1024");
        assertThatThrownBy(
                        () ->
                                GatewayConfig.parse(
                                        "clusters:\n  a:\n    kafka: {bootstrap.servers: '${NOPE}'}\n",
                                        env::get))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessage(
                        "clusters.a.kafka.bootstrap.servers refers to the environment variable"
                                + " NOPE, which is not set; set it, or give a default:"
                                + " ${NOPE:-value}");
    }

    @Test
    void brokerSettings_failWhenTheConfigurationIsLoaded_listingTheKnownOnes() {
        assertThatThrownBy(
                        () ->
                                GatewayConfig.parse(
                                        MINIMAL + "    broker: {type: memory, evnts: 10}\n"))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessage(
                        "clusters.default.broker: broker type 'memory': unknown setting [evnts];"
                                + " known: [bytes, events, flush.min_events, flush.timeout]");
        assertThatThrownBy(
                        () ->
                                GatewayConfig.parse(
                                        MINIMAL + "    broker: {type: memory, bytes: lots}\n"))
                .hasMessageContaining("clusters.default.broker")
                .hasMessageContaining("'bytes' is 'lots'")
                .hasMessageContaining("64MiB");
        assertThatThrownBy(() -> GatewayConfig.parse(MINIMAL + "    broker: {type: disk}\n"))
                .hasMessageContaining("setting 'path' is required");
        assertThatThrownBy(
                        () ->
                                GatewayConfig.parse(
                                        MINIMAL
                                                + "    broker: {type: disk, path: /x, fsynk: never}\n"))
                .hasMessageContaining("unknown setting [fsynk]")
                .hasMessageContaining("fsync.interval");
        assertThatThrownBy(() -> GatewayConfig.parse(MINIMAL + "    broker: {type: tape}\n"))
                .hasMessageContaining("'tape'")
                .hasMessageContaining("disk, memory");
    }

    @Test
    void nativeTransport_mustBeABoolean() {
        assertThatThrownBy(
                        () ->
                                GatewayConfig.parse(
                                        "gateway:\n  native-transport: maybe\n" + MINIMAL))
                .isInstanceOf(GatewayConfig.ConfigException.class)
                .hasMessage("gateway.native-transport is 'maybe'; expected true or false");
    }

    @Test
    void memoryBroker_getsTheGatewaysFlushDefaults_unlessItSetsItsOwn() {
        io.ferry.broker.BrokerConfig plain =
                ClusterRuntime.withFlushDefaults(
                        io.ferry.broker.BrokerConfig.of(
                                "memory", java.util.Map.of("events", 1024)));
        assertThat(plain.settings())
                .containsEntry("events", 1024)
                .containsEntry("flush.min_events", 2048)
                .containsEntry("flush.timeout", "1ms");
        io.ferry.broker.BrokerConfig own =
                io.ferry.broker.BrokerConfig.of("memory", java.util.Map.of("flush.timeout", "0"));
        assertThat(ClusterRuntime.withFlushDefaults(own).settings())
                .doesNotContainKey("flush.min_events");
        io.ferry.broker.BrokerConfig disk =
                io.ferry.broker.BrokerConfig.of("disk", java.util.Map.of("path", "/tmp/x"));
        assertThat(ClusterRuntime.withFlushDefaults(disk).settings())
                .doesNotContainKey("flush.timeout");
    }
}
