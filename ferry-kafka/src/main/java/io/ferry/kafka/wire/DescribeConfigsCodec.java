package io.ferry.kafka.wire;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

/** DescribeConfigs (topics only) to Kafka's protocol and back; stateless, any thread. */
final class DescribeConfigsCodec {
    /* Design notes
     * Any broker answers for topic resources (only BROKER and BROKER_LOGGER ones must go to the
     * broker they name), so the request goes on the control channel. Each topic asks for exactly
     * the keys of the request (ConfigurationKeys; null would mean every config); no synonyms, no
     * documentation. The answer's values are the effective ones (a topic override, else the
     * broker's default). A topic the answer lacks gets an UNKNOWN_SERVER_ERROR entry, so every
     * topic asked for has an answer; parse never throws.
     */
    private DescribeConfigsCodec() {}

    static DescribeConfigsRequest.Builder request(WireRequest.DescribeConfigs d) {
        List<DescribeConfigsRequestData.DescribeConfigsResource> resources = new ArrayList<>();
        for (String topic : d.topics()) {
            resources.add(
                    new DescribeConfigsRequestData.DescribeConfigsResource()
                            .setResourceType(ConfigResource.Type.TOPIC.id())
                            .setResourceName(topic)
                            .setConfigurationKeys(new ArrayList<>(d.keys())));
        }
        return new DescribeConfigsRequest.Builder(
                new DescribeConfigsRequestData()
                        .setResources(resources)
                        .setIncludeSynonyms(false)
                        .setIncludeDocumentation(false));
    }

    static Map<String, DescribedConfigs> parse(
            AbstractResponse response, WireRequest.DescribeConfigs d) {
        Map<String, DescribedConfigs> out = new HashMap<>();
        for (DescribeConfigsResponseData.DescribeConfigsResult r :
                ((DescribeConfigsResponse) response).data().results()) {
            if (r.resourceType() != ConfigResource.Type.TOPIC.id()) {
                continue;
            }
            Map<String, String> configs = new HashMap<>();
            for (DescribeConfigsResponseData.DescribeConfigsResourceResult c : r.configs()) {
                if (c.value() != null) {
                    configs.put(c.name(), c.value());
                }
            }
            out.put(
                    r.resourceName(),
                    new DescribedConfigs(
                            r.resourceName(),
                            WireError.of(r.errorCode(), r.errorMessage()),
                            r.errorCode() == 0 ? configs : Map.of()));
        }
        for (String topic : d.topics()) {
            out.computeIfAbsent(
                    topic,
                    t ->
                            new DescribedConfigs(
                                    t,
                                    WireError.of(
                                            Errors.UNKNOWN_SERVER_ERROR.code(),
                                            "the DescribeConfigs answer has no topic " + t),
                                    Map.of()));
        }
        return out;
    }
}
