package io.ferry.kafka.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.ConsumerGroupDescribeRequest;
import org.apache.kafka.common.requests.ConsumerGroupDescribeResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: ListGroups, ConsumerGroupDescribe and DescribeGroups built and read back through the
 * bytes, at every version kafka-clients has (the live contract is {@code GroupDescribeWireIT}).
 */
class GroupDescribeCodecTest {
    @Test
    void listGroups_buildsAtEveryVersion_withoutFilters() {
        for (short v = ApiKeys.LIST_GROUPS.oldestVersion();
                v <= ApiKeys.LIST_GROUPS.latestVersion();
                v++) {
            ListGroupsRequest r = GroupDescribeCodec.listGroups().build(v);
            ListGroupsRequestData data = ListGroupsRequest.parse(r.serialize(), v).data();
            assertThat(data.statesFilter()).as("v%d", v).isEmpty();
            assertThat(data.typesFilter()).as("v%d", v).isEmpty();
        }
    }

    @Test
    void listGroups_answer_givesEachGroupItsProtocolStateAndType_emptyWhereTheVersionLacksThem() {
        ListGroupsResponseData data = new ListGroupsResponseData();
        data.groups()
                .add(
                        new ListGroupsResponseData.ListedGroup()
                                .setGroupId("a")
                                .setProtocolType("consumer")
                                .setGroupState("Stable")
                                .setGroupType("consumer"));
        data.groups()
                .add(
                        new ListGroupsResponseData.ListedGroup()
                                .setGroupId("b")
                                .setProtocolType("connect")
                                .setGroupState("Empty")
                                .setGroupType("classic"));
        ListedGroups latest = GroupDescribeCodec.parseListGroups(listGroups(data, (short) 5));
        assertThat(latest.error().isNone()).isTrue();
        assertThat(latest.groups())
                .containsExactly(
                        new ListedGroups.Group("a", "consumer", "Stable", "consumer"),
                        new ListedGroups.Group("b", "connect", "Empty", "classic"));

        ListedGroups v3 = GroupDescribeCodec.parseListGroups(listGroups(data, (short) 3));
        assertThat(v3.groups().get(0)).isEqualTo(new ListedGroups.Group("a", "consumer", "", ""));

        data.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
        ListedGroups loading = GroupDescribeCodec.parseListGroups(listGroups(data, (short) 5));
        assertThat(loading.error().name()).isEqualTo("COORDINATOR_LOAD_IN_PROGRESS");
        assertThat(loading.error().retriable()).isTrue();
    }

    private static ListGroupsResponse listGroups(ListGroupsResponseData data, short v) {
        return ListGroupsResponse.parse(MessageUtil.toByteBufferAccessor(data, v), v);
    }

    @Test
    void consumerGroupDescribe_namesEachGroup_atEveryVersion() {
        WireRequest.ConsumerGroupDescribe d =
                new WireRequest.ConsumerGroupDescribe(List.of("g1", "g2"));
        for (short v = ApiKeys.CONSUMER_GROUP_DESCRIBE.oldestVersion();
                v <= ApiKeys.CONSUMER_GROUP_DESCRIBE.latestVersion();
                v++) {
            ConsumerGroupDescribeRequest r = GroupDescribeCodec.consumerGroupDescribe(d).build(v);
            ConsumerGroupDescribeRequestData data =
                    ConsumerGroupDescribeRequest.parse(r.serialize(), v).data();
            assertThat(data.groupIds()).as("v%d", v).containsExactly("g1", "g2");
            assertThat(data.includeAuthorizedOperations()).isFalse();
        }
    }

    @Test
    void consumerGroupDescribe_answer_givesEachMembersCurrentAssignmentByTopicName() {
        Uuid orders = Uuid.randomUuid();
        ConsumerGroupDescribeResponseData data = new ConsumerGroupDescribeResponseData();
        data.groups()
                .add(
                        new ConsumerGroupDescribeResponseData.DescribedGroup()
                                .setGroupId("g1")
                                .setGroupState("Stable")
                                .setMembers(
                                        List.of(
                                                new ConsumerGroupDescribeResponseData.Member()
                                                        .setMemberId("m1")
                                                        .setClientId("ferry-a")
                                                        .setClientHost("/10.0.0.1")
                                                        .setAssignment(
                                                                assignment(orders, "orders", 2, 0))
                                                        .setTargetAssignment(
                                                                assignment(orders, "orders", 3)))));
        data.groups()
                .add(
                        new ConsumerGroupDescribeResponseData.DescribedGroup()
                                .setGroupId("classic")
                                .setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                                .setErrorMessage("Group classic is not a consumer group."));
        WireRequest.ConsumerGroupDescribe asked =
                new WireRequest.ConsumerGroupDescribe(List.of("g1", "classic", "lost"));
        for (short v = ApiKeys.CONSUMER_GROUP_DESCRIBE.oldestVersion();
                v <= ApiKeys.CONSUMER_GROUP_DESCRIBE.latestVersion();
                v++) {
            Map<String, DescribedGroup> out =
                    GroupDescribeCodec.parseConsumerGroupDescribe(
                            ConsumerGroupDescribeResponse.parse(
                                    MessageUtil.toByteBufferAccessor(data, v), v),
                            asked);
            DescribedGroup g1 = out.get("g1");
            assertThat(g1.error().isNone()).isTrue();
            assertThat(g1.state()).isEqualTo("Stable");
            assertThat(g1.protocolType()).isEqualTo("consumer");
            assertThat(g1.members())
                    .as("v%d: the current assignment, not the target", v)
                    .containsExactly(
                            new DescribedGroup.Member(
                                    "m1",
                                    "ferry-a",
                                    "/10.0.0.1",
                                    List.of(
                                            new TopicPartition("orders", 2),
                                            new TopicPartition("orders", 0))));
            assertThat(out.get("classic").error().name()).isEqualTo("GROUP_ID_NOT_FOUND");
            assertThat(out.get("classic").error().message()).contains("not a consumer group");
            assertThat(out.get("lost").error().name())
                    .as("not in the answer")
                    .isEqualTo("UNKNOWN_SERVER_ERROR");
        }
    }

    private static ConsumerGroupDescribeResponseData.Assignment assignment(
            Uuid id, String topic, Integer... partitions) {
        return new ConsumerGroupDescribeResponseData.Assignment()
                .setTopicPartitions(
                        List.of(
                                new ConsumerGroupDescribeResponseData.TopicPartitions()
                                        .setTopicId(id)
                                        .setTopicName(topic)
                                        .setPartitions(List.of(partitions))));
    }

    @Test
    void describeGroups_namesEachGroup_atEveryVersion() {
        WireRequest.DescribeGroups d = new WireRequest.DescribeGroups(List.of("c1", "c2"));
        for (short v = ApiKeys.DESCRIBE_GROUPS.oldestVersion();
                v <= ApiKeys.DESCRIBE_GROUPS.latestVersion();
                v++) {
            DescribeGroupsRequest r = GroupDescribeCodec.describeGroups(d).build(v);
            DescribeGroupsRequestData data = DescribeGroupsRequest.parse(r.serialize(), v).data();
            assertThat(data.groups()).as("v%d", v).containsExactly("c1", "c2");
        }
    }

    @Test
    void describeGroups_answer_decodesConsumerAssignments_andNothingOfOtherProtocolsOrBadBytes() {
        byte[] consumerBytes =
                bytes(
                        ConsumerProtocol.serializeAssignment(
                                new ConsumerPartitionAssignor.Assignment(
                                        List.of(
                                                new TopicPartition("orders", 3),
                                                new TopicPartition("other", 0)))));
        DescribeGroupsResponseData data = new DescribeGroupsResponseData();
        data.groups()
                .add(
                        DescribeGroupsResponse.groupMetadata(
                                "c1",
                                Errors.NONE,
                                "Stable",
                                "consumer",
                                "range",
                                List.of(
                                        member("k-1-abc", "k-1", "/10.0.0.2", consumerBytes),
                                        member(
                                                "k-2-def",
                                                "k-2",
                                                "/10.0.0.3",
                                                new byte[] {0, 9, 1, 2, 3})),
                                DescribeGroupsResponse.AUTHORIZED_OPERATIONS_OMITTED));
        data.groups()
                .add(
                        DescribeGroupsResponse.groupMetadata(
                                "connect",
                                Errors.NONE,
                                "Stable",
                                "connect",
                                "sessioned",
                                List.of(member("w-1", "w", "/h", consumerBytes)),
                                DescribeGroupsResponse.AUTHORIZED_OPERATIONS_OMITTED));
        data.groups()
                .add(
                        DescribeGroupsResponse.groupMetadata(
                                "none",
                                Errors.NONE,
                                "Dead",
                                "",
                                "",
                                List.of(),
                                DescribeGroupsResponse.AUTHORIZED_OPERATIONS_OMITTED));
        WireRequest.DescribeGroups asked =
                new WireRequest.DescribeGroups(List.of("c1", "connect", "none"));
        for (short v = ApiKeys.DESCRIBE_GROUPS.oldestVersion();
                v <= ApiKeys.DESCRIBE_GROUPS.latestVersion();
                v++) {
            Map<String, DescribedGroup> out =
                    GroupDescribeCodec.parseDescribeGroups(
                            DescribeGroupsResponse.parse(
                                    MessageUtil.toByteBufferAccessor(data, v), v),
                            asked);
            assertThat(out.get("c1").members())
                    .as("v%d", v)
                    .containsExactly(
                            new DescribedGroup.Member(
                                    "k-1-abc",
                                    "k-1",
                                    "/10.0.0.2",
                                    List.of(
                                            new TopicPartition("orders", 3),
                                            new TopicPartition("other", 0))),
                            new DescribedGroup.Member("k-2-def", "k-2", "/10.0.0.3", List.of()));
            assertThat(out.get("connect").members())
                    .extracting(DescribedGroup.Member::assigned)
                    .as("not the consumer protocol: its bytes mean something else")
                    .containsExactly(List.of());
            assertThat(out.get("none").state()).isEqualTo("Dead");
            assertThat(out.get("none").members()).isEmpty();
        }
    }

    private static DescribeGroupsResponseData.DescribedGroupMember member(
            String id, String clientId, String host, byte[] assignment) {
        return new DescribeGroupsResponseData.DescribedGroupMember()
                .setMemberId(id)
                .setClientId(clientId)
                .setClientHost(host)
                .setMemberMetadata(new byte[0])
                .setMemberAssignment(assignment);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
