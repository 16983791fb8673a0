package io.ferry.kafka.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.junit.jupiter.api.Test;

/** Issue 12: DescribeConfigs of topics, built and read back at every version kafka-clients has. */
class DescribeConfigsCodecTest {
    private final WireRequest.DescribeConfigs asked =
            new WireRequest.DescribeConfigs(
                    List.of("a", "b", "c"), List.of("max.message.bytes", "message.timestamp.type"));

    @Test
    void theRequest_namesEachTopic_andOnlyTheKeysAsked_atEveryVersion() {
        for (short v = ApiKeys.DESCRIBE_CONFIGS.oldestVersion();
                v <= ApiKeys.DESCRIBE_CONFIGS.latestVersion();
                v++) {
            DescribeConfigsRequest r = DescribeConfigsCodec.request(asked).build(v);
            // through the bytes, as the broker reads it
            DescribeConfigsRequestData data = DescribeConfigsRequest.parse(r.serialize(), v).data();
            assertThat(data.resources())
                    .extracting(DescribeConfigsRequestData.DescribeConfigsResource::resourceName)
                    .as("v%d", v)
                    .containsExactly("a", "b", "c");
            assertThat(data.resources())
                    .allSatisfy(
                            res -> {
                                assertThat(res.resourceType())
                                        .isEqualTo(ConfigResource.Type.TOPIC.id());
                                assertThat(res.configurationKeys())
                                        .containsExactly(
                                                "max.message.bytes", "message.timestamp.type");
                            });
        }
    }

    @Test
    void theAnswer_givesEachTopicItsValuesOrItsError_andATopicItLacksAnError() {
        DescribeConfigsResponseData data = new DescribeConfigsResponseData();
        data.results()
                .add(
                        new DescribeConfigsResponseData.DescribeConfigsResult()
                                .setResourceType(ConfigResource.Type.TOPIC.id())
                                .setResourceName("a")
                                .setConfigs(
                                        List.of(
                                                config("max.message.bytes", "2000"),
                                                config("message.timestamp.type", "CreateTime"),
                                                config("secret", null))));
        data.results()
                .add(
                        new DescribeConfigsResponseData.DescribeConfigsResult()
                                .setResourceType(ConfigResource.Type.TOPIC.id())
                                .setResourceName("b")
                                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                                .setErrorMessage("no"));
        short v = ApiKeys.DESCRIBE_CONFIGS.latestVersion();
        DescribeConfigsResponse wire =
                DescribeConfigsResponse.parse(
                        org.apache.kafka.common.protocol.MessageUtil.toByteBufferAccessor(data, v),
                        v);

        Map<String, DescribedConfigs> out = DescribeConfigsCodec.parse(wire, asked);

        assertThat(out.get("a").error().isNone()).isTrue();
        assertThat(out.get("a").configs())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                "max.message.bytes", "2000",
                                "message.timestamp.type", "CreateTime"));
        assertThat(out.get("b").error().name()).isEqualTo("TOPIC_AUTHORIZATION_FAILED");
        assertThat(out.get("b").configs()).isEmpty();
        assertThat(out.get("c").error().isNone()).as("not in the answer").isFalse();
    }

    private static DescribeConfigsResponseData.DescribeConfigsResourceResult config(
            String name, String value) {
        return new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                .setName(name)
                .setValue(value);
    }
}
