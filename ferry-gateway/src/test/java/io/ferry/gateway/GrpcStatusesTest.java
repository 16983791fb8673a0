package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kafka-pixy's gRPC statuses of the consume service's refusals: kafka-pixy's where its clients rely
 * on them, and docs/gateway.md's table says the same for every code.
 */
class GrpcStatusesTest {
    @Test
    void pixy_consumeRefusals_asKafkaPixysClientsExpect() {
        assertThat(GrpcStatuses.pixy(ConsumeRefused.Code.UNKNOWN_CLUSTER))
                .isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(GrpcStatuses.pixy(ConsumeRefused.Code.INVALID_REQUEST))
                .isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(GrpcStatuses.pixy(ConsumeRefused.Code.UNKNOWN_TOPIC))
                .isEqualTo(GrpcStatus.NOT_FOUND);
        assertThat(GrpcStatuses.pixy(ConsumeRefused.Code.TOO_MANY_WAITING))
                .isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
        assertThat(GrpcStatuses.pixy(ConsumeRefused.Code.CLOSING))
                .isEqualTo(GrpcStatus.UNAVAILABLE);
        assertThat(GrpcStatuses.pixy(ConsumeRefused.Code.KAFKA_UNAVAILABLE))
                .isEqualTo(GrpcStatus.UNAVAILABLE);
        assertThat(GrpcStatuses.pixy(ConsumeRefused.Code.INTERNAL)).isEqualTo(GrpcStatus.INTERNAL);
    }

    @Test
    void pixy_anAckThisInstanceCannotTake_isFailedPrecondition_notKafkaPixysInternal() {
        for (ConsumeRefused.Code c :
                List.of(
                        ConsumeRefused.Code.NOT_CONSUMED_HERE,
                        ConsumeRefused.Code.NOT_OWNED,
                        ConsumeRefused.Code.NEVER_OFFERED)) {
            assertThat(GrpcStatuses.pixy(c)).as(c.name()).isEqualTo(GrpcStatus.FAILED_PRECONDITION);
        }
    }

    @Test
    void docsGatewayMd_listsEveryConsumeRefusal_withItsKafkaPixyStatus() throws Exception {
        String doc = Files.readString(Path.of("../docs/gateway.md"));
        int from = doc.indexOf("| refusal (`ConsumeRefused.Code`) | `KafkaPixy` |");
        assertThat(from).as("the table in docs/gateway.md, \"gRPC\"").isPositive();
        List<String> rows = doc.substring(from, doc.indexOf("\n\n", from)).lines().skip(2).toList();
        for (ConsumeRefused.Code c : ConsumeRefused.Code.values()) {
            List<String> mine =
                    rows.stream()
                            .filter(r -> r.split("\\|")[1].contains("`" + c.name() + "`"))
                            .toList();
            assertThat(mine).as(c.name() + " in one row").hasSize(1);
            String ferryColumn = mine.get(0).split("\\|")[2];
            assertThat(ferryColumn).as(c.name()).contains("`" + GrpcStatuses.pixy(c).name() + "`");
        }
    }
}
