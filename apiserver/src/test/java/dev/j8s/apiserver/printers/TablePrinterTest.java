package dev.j8s.apiserver.printers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.printers.TablePrinter.IncludeObject;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Resources;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TablePrinterTest {

    static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
    static final Resources RESOURCES = Resources.builtin();

    static ResourceType type(String group, String plural) {
        return RESOURCES.all().stream().filter(t -> t.group().equals(group) && t.plural().equals(plural))
                .findFirst().orElseThrow();
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ObjectNode table(String plural, ObjectNode object) {
        String group = plural.contains(".") ? plural.substring(plural.indexOf('.') + 1) : "";
        String name = plural.contains(".") ? plural.substring(0, plural.indexOf('.')) : plural;
        return TablePrinter.table(type(group, name), List.of(object), IncludeObject.METADATA, NOW, "42", true);
    }

    static List<Object> cells(ObjectNode table) {
        List<Object> out = new ArrayList<>();
        for (JsonNode c : table.path("rows").get(0).path("cells")) {
            out.add(c.isNumber() ? (Object) c.asLong() : c.asText());
        }
        return out;
    }

    static List<String> columnNames(ObjectNode table) {
        List<String> out = new ArrayList<>();
        table.path("columnDefinitions").forEach(c -> out.add(c.path("name").asText()));
        return out;
    }

    static String pod(String status) {
        return """
                {'apiVersion':'v1','kind':'Pod','metadata':{'name':'web','namespace':'default','uid':'u1',
                 'resourceVersion':'41','creationTimestamp':'2024-05-01T11:55:00Z','labels':{'app':'web'}},
                 'spec':{'nodeName':'node1','containers':[{'name':'main','image':'nginx'}]},
                 'status':%s}""".formatted(status);
    }

    @Test
    void runningPodHasUpstreamCellsAndPartialMetadataObject() {
        ObjectNode t = table("pods", json(pod("""
                {'phase':'Running','podIP':'10.88.0.5','podIPs':[{'ip':'10.88.0.5'}],
                 'conditions':[{'type':'Ready','status':'True'}],
                 'containerStatuses':[{'name':'main','ready':true,'restartCount':0,'state':{'running':{'startedAt':'2024-05-01T11:55:03Z'}}}]}""")));
        assertThat(t.path("kind").asText()).isEqualTo("Table");
        assertThat(t.path("apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
        assertThat(t.path("metadata").path("resourceVersion").asText()).isEqualTo("42");
        assertThat(columnNames(t)).containsExactly("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                "Nominated Node", "Readiness Gates");
        assertThat(cells(t)).containsExactly("web", "1/1", "Running", "0", "5m", "10.88.0.5", "node1", "<none>", "<none>");
        JsonNode object = t.path("rows").get(0).path("object");
        assertThat(object.path("kind").asText()).isEqualTo("PartialObjectMetadata");
        assertThat(object.path("apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
        assertThat(object.path("metadata").path("labels").path("app").asText()).isEqualTo("web");
        assertThat(object.has("spec")).isFalse();
        assertThat(t.path("rows").get(0).has("conditions")).isFalse();
    }

    @Test
    void podColumnDefinitionsCarryTypeFormatPriorityAndDescription() {
        ObjectNode t = table("pods", json(pod("{}")));
        JsonNode name = t.path("columnDefinitions").get(0);
        assertThat(name.path("type").asText()).isEqualTo("string");
        assertThat(name.path("format").asText()).isEqualTo("name");
        assertThat(name.path("priority").asInt()).isZero();
        assertThat(name.path("description").asText()).startsWith("Name must be unique within a namespace.");
        JsonNode restarts = t.path("columnDefinitions").get(3);
        assertThat(restarts.path("type").asText()).isEqualTo("string");
        assertThat(restarts.path("format").asText()).isEmpty();
        assertThat(t.path("columnDefinitions").get(5).path("priority").asInt()).isEqualTo(1);
    }

    @Test
    void crashLoopingPodShowsWaitingReasonAndLastRestartAge() {
        ObjectNode t = table("pods", json(pod("""
                {'phase':'Running','conditions':[{'type':'Ready','status':'False'}],
                 'containerStatuses':[{'name':'main','ready':false,'restartCount':4,
                   'state':{'waiting':{'reason':'CrashLoopBackOff','message':'back-off 1m20s'}},
                   'lastState':{'terminated':{'exitCode':1,'reason':'Error','finishedAt':'2024-05-01T11:58:00Z'}}}]}""")));
        assertThat(cells(t).subList(1, 4)).containsExactly("0/1", "CrashLoopBackOff", "4 (2m ago)");
    }

    @Test
    void completedPodCarriesCompletedRowCondition() {
        ObjectNode t = table("pods", json(pod("""
                {'phase':'Succeeded','containerStatuses':[{'name':'main','ready':false,'restartCount':0,
                   'state':{'terminated':{'exitCode':0,'reason':'Completed','finishedAt':'2024-05-01T11:56:00Z'}}}]}""")));
        assertThat(cells(t).subList(1, 4)).containsExactly("0/1", "Completed", "0");
        JsonNode conditions = t.path("rows").get(0).path("conditions");
        assertThat(conditions).hasSize(1);
        assertThat(conditions.get(0).path("type").asText()).isEqualTo("Completed");
        assertThat(conditions.get(0).path("status").asText()).isEqualTo("True");
        assertThat(conditions.get(0).path("reason").asText()).isEqualTo("Succeeded");
        assertThat(conditions.get(0).path("message").asText()).isEqualTo("The pod has completed successfully.");
    }

    @Test
    void failedPodRowConditionSaysThePodFailed() {
        ObjectNode t = table("pods", json(pod("""
                {'phase':'Failed','containerStatuses':[{'name':'main','restartCount':0,
                   'state':{'terminated':{'exitCode':137,'signal':9}}}]}""")));
        assertThat(cells(t).get(2)).isEqualTo("Signal:9");
        assertThat(t.path("rows").get(0).path("conditions").get(0).path("message").asText()).isEqualTo("The pod failed.");
    }

    @Test
    void terminatedWithoutReasonShowsExitCode() {
        ObjectNode t = table("pods", json(pod("""
                {'phase':'Running','containerStatuses':[{'name':'main','restartCount':0,'state':{'terminated':{'exitCode':3}}}]}""")));
        assertThat(cells(t).get(2)).isEqualTo("ExitCode:3");
    }

    @Test
    void completedContainerNextToARunningOneShowsRunningOrNotReady() {
        String statuses = """
                 'containerStatuses':[
                   {'name':'main','ready':true,'restartCount':0,'state':{'running':{}}},
                   {'name':'job','ready':false,'restartCount':0,'state':{'terminated':{'exitCode':0,'reason':'Completed'}}}]}""";
        ObjectNode ready = table("pods", json(pod("{'phase':'Running','conditions':[{'type':'Ready','status':'True'}]," + statuses)));
        assertThat(cells(ready).subList(1, 3)).containsExactly("1/1", "Running");
        ObjectNode notReady = table("pods", json(pod("{'phase':'Running','conditions':[{'type':'Ready','status':'False'}]," + statuses)));
        assertThat(cells(notReady).get(2)).isEqualTo("NotReady");
    }

    @Test
    void initContainersProgressAndFailures() {
        String spec = """
                {'apiVersion':'v1','kind':'Pod','metadata':{'name':'web','creationTimestamp':'2024-05-01T11:59:00Z'},
                 'spec':{'initContainers':[{'name':'a'},{'name':'b'}],'containers':[{'name':'main'}]},
                 'status':%s}""";
        ObjectNode progress = table("pods", json(spec.formatted("""
                {'phase':'Pending','initContainerStatuses':[
                  {'name':'a','restartCount':0,'state':{'terminated':{'exitCode':0,'reason':'Completed'}}},
                  {'name':'b','restartCount':0,'state':{'running':{}}}],
                 'containerStatuses':[{'name':'main','restartCount':0,'state':{'waiting':{'reason':'PodInitializing'}}}]}""")));
        assertThat(cells(progress).subList(1, 5)).containsExactly("0/1", "Init:1/2", "0", "60s");

        ObjectNode failed = table("pods", json(spec.formatted("""
                {'phase':'Pending','initContainerStatuses':[
                  {'name':'a','restartCount':2,'state':{'terminated':{'exitCode':1,'reason':'Error'}},
                   'lastState':{'terminated':{'exitCode':1,'finishedAt':'2024-05-01T11:59:30Z'}}}]}""")));
        assertThat(cells(failed).subList(2, 4)).containsExactly("Init:Error", "2 (30s ago)");

        ObjectNode noReason = table("pods", json(spec.formatted("""
                {'phase':'Pending','initContainerStatuses':[{'name':'a','state':{'terminated':{'exitCode':2}}}]}""")));
        assertThat(cells(noReason).get(2)).isEqualTo("Init:ExitCode:2");

        ObjectNode pulling = table("pods", json(spec.formatted("""
                {'phase':'Pending','initContainerStatuses':[{'name':'a','state':{'waiting':{'reason':'ImagePullBackOff'}}}]}""")));
        assertThat(cells(pulling).get(2)).isEqualTo("Init:ImagePullBackOff");
    }

    @Test
    void sidecarInitContainerCountsTowardsReadyAndTotal() {
        ObjectNode t = table("pods", json("""
                {'apiVersion':'v1','kind':'Pod','metadata':{'name':'web','creationTimestamp':'2024-05-01T11:59:00Z'},
                 'spec':{'initContainers':[{'name':'proxy','restartPolicy':'Always'}],'containers':[{'name':'main'}]},
                 'status':{'phase':'Running','conditions':[{'type':'Initialized','status':'True'},{'type':'Ready','status':'True'}],
                  'initContainerStatuses':[{'name':'proxy','ready':true,'started':true,'restartCount':1,'state':{'running':{}},
                     'lastState':{'terminated':{'exitCode':1,'finishedAt':'2024-05-01T11:59:50Z'}}}],
                  'containerStatuses':[{'name':'main','ready':true,'restartCount':0,'state':{'running':{}}}]}}"""));
        assertThat(cells(t).subList(1, 4)).containsExactly("2/2", "Running", "1 (10s ago)");
    }

    @Test
    void deletedPodIsTerminatingUnlessTerminalOrNodeLost() {
        String base = """
                {'apiVersion':'v1','kind':'Pod','metadata':{'name':'busy','creationTimestamp':'2024-05-01T11:00:00Z',
                 'deletionTimestamp':'2024-05-01T12:00:30Z'},'spec':{'containers':[{'name':'a'},{'name':'b'}]},
                 'status':%s}""";
        ObjectNode terminating = table("pods", json(base.formatted("""
                {'phase':'Running','containerStatuses':[{'name':'a','ready':true,'state':{'running':{}}},
                  {'name':'b','ready':true,'state':{'running':{}}}]}""")));
        assertThat(cells(terminating).subList(1, 5)).containsExactly("2/2", "Terminating", "0", "60m");
        ObjectNode succeeded = table("pods", json(base.formatted("{'phase':'Succeeded'}")));
        assertThat(cells(succeeded).get(2)).isEqualTo("Succeeded");
        ObjectNode lost = table("pods", json(base.formatted("{'phase':'Running','reason':'NodeLost'}")));
        assertThat(cells(lost).get(2)).isEqualTo("Unknown");
    }

    @Test
    void evictedAndSchedulingGatedReasonsOverridePhase() {
        assertThat(cells(table("pods", json(pod("{'phase':'Failed','reason':'Evicted'}")))).get(2)).isEqualTo("Evicted");
        assertThat(cells(table("pods", json(pod(
                "{'phase':'Pending','conditions':[{'type':'PodScheduled','status':'False','reason':'SchedulingGated'}]}")))).get(2))
                .isEqualTo("SchedulingGated");
    }

    @Test
    void readinessGatesCountTrueConditions() {
        ObjectNode t = table("pods", json("""
                {'apiVersion':'v1','kind':'Pod','metadata':{'name':'web'},
                 'spec':{'containers':[],'readinessGates':[{'conditionType':'lb/ready'},{'conditionType':'x/ok'}]},
                 'status':{'phase':'Pending','nominatedNodeName':'node2',
                  'conditions':[{'type':'lb/ready','status':'True'},{'type':'x/ok','status':'False'}]}}"""));
        assertThat(cells(t)).containsExactly("web", "0/0", "Pending", "0", "<unknown>", "<none>", "<none>", "node2", "1/2");
    }

    @Test
    void includeObjectNoneOmitsAndObjectEmbedsTheFullObject() {
        ObjectNode pod = json(pod("{'phase':'Running'}"));
        ObjectNode none = TablePrinter.table(type("", "pods"), List.of(pod), IncludeObject.NONE, NOW, "1", true);
        assertThat(none.path("rows").get(0).has("object")).isFalse();
        ObjectNode full = TablePrinter.table(type("", "pods"), List.of(pod), IncludeObject.OBJECT, NOW, "1", true);
        assertThat(full.path("rows").get(0).path("object")).isEqualTo(pod);
    }

    @Test
    void laterWatchEventsHaveNullColumnDefinitions() {
        ObjectNode t = TablePrinter.table(type("", "pods"), List.of(), IncludeObject.METADATA, NOW, "", false);
        assertThat(t.get("columnDefinitions").isNull()).isTrue();
        assertThat(t.path("rows").isArray()).isTrue();
        assertThat(t.path("rows")).isEmpty();
        assertThat(t.path("metadata").has("resourceVersion")).isFalse();
    }

    @Test
    void includeObjectParsesUpstreamValues() {
        assertThat(IncludeObject.parse("")).isEqualTo(IncludeObject.METADATA);
        assertThat(IncludeObject.parse("Metadata")).isEqualTo(IncludeObject.METADATA);
        assertThat(IncludeObject.parse("None")).isEqualTo(IncludeObject.NONE);
        assertThat(IncludeObject.parse("Object")).isEqualTo(IncludeObject.OBJECT);
        assertThatThrownBy(() -> IncludeObject.parse("everything"))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("unrecognized includeObject value: \"everything\"");
    }

    @Test
    void coreEventRowHasAllTenCells() {
        ObjectNode t = table("events", json("""
                {'apiVersion':'v1','kind':'Event','metadata':{'name':'web.17c','namespace':'default'},
                 'involvedObject':{'kind':'Pod','name':'web','namespace':'default','fieldPath':'spec.containers{main}'},
                 'reason':'Pulled','message':'  Successfully pulled image nginx\\n','type':'Normal',
                 'source':{'component':'kubelet','host':'node1'},
                 'firstTimestamp':'2024-05-01T11:50:00Z','lastTimestamp':'2024-05-01T11:58:00Z','count':3}"""));
        assertThat(columnNames(t)).containsExactly("Last Seen", "Type", "Reason", "Object", "Subobject", "Source",
                "Message", "First Seen", "Count", "Name");
        assertThat(t.path("columnDefinitions").get(9).path("format").asText()).isEqualTo("name");
        assertThat(t.path("columnDefinitions").get(9).path("priority").asInt()).isEqualTo(1);
        assertThat(cells(t)).containsExactly("2m", "Normal", "Pulled", "pod/web", "spec.containers{main}",
                "kubelet, node1", "Successfully pulled image nginx", "10m", 3L, "web.17c");
    }

    @Test
    void eventWithoutTimestampsFallsBackToEventTimeAndCountsOne() {
        ObjectNode t = table("events", json("""
                {'apiVersion':'v1','kind':'Event','metadata':{'name':'n1'},'involvedObject':{'kind':'Node'},
                 'reason':'Starting','type':'Normal','eventTime':'2024-05-01T11:59:00.123456Z',
                 'reportingComponent':'kubelet','reportingInstance':''}"""));
        // 59.876s truncates to 59s as Go's int(d.Seconds()) does.
        assertThat(cells(t)).containsExactly("59s", "Normal", "Starting", "node", "", "kubelet", "", "59s", 1L, "n1");
    }

    @Test
    void eventSeriesOverridesLastSeenAndCount() {
        ObjectNode t = table("events", json("""
                {'apiVersion':'v1','kind':'Event','metadata':{'name':'e'},'involvedObject':{'kind':'Pod','name':'p'},
                 'eventTime':'2024-05-01T11:00:00.000000Z','series':{'count':7,'lastObservedTime':'2024-05-01T11:59:30.000000Z'},
                 'count':2}"""));
        assertThat(cells(t).get(0)).isEqualTo("30s");
        assertThat(cells(t).get(7)).isEqualTo("60m");
        assertThat(cells(t).get(8)).isEqualTo(7L);
    }

    @Test
    void eventsK8sIoEventIsPrintedThroughItsOwnFieldNames() {
        ObjectNode t = table("events.events.k8s.io", json("""
                {'apiVersion':'events.k8s.io/v1','kind':'Event','metadata':{'name':'e2'},
                 'regarding':{'kind':'Pod','name':'web','fieldPath':'spec.containers{main}'},
                 'note':'Back-off restarting failed container','type':'Warning','reason':'BackOff',
                 'reportingController':'kubelet','reportingInstance':'node1',
                 'deprecatedFirstTimestamp':'2024-05-01T11:00:00Z','deprecatedLastTimestamp':'2024-05-01T11:59:00Z',
                 'deprecatedCount':12,'eventTime':null}"""));
        assertThat(cells(t)).containsExactly("60s", "Warning", "BackOff", "pod/web", "spec.containers{main}",
                "kubelet, node1", "Back-off restarting failed container", "60m", 12L, "e2");
    }

    @Test
    void nodeRowShowsReadinessRolesAndAddresses() {
        ObjectNode t = table("nodes", json("""
                {'apiVersion':'v1','kind':'Node','metadata':{'name':'node1','creationTimestamp':'2024-04-29T08:00:00Z',
                  'labels':{'node-role.kubernetes.io/control-plane':'','node-role.kubernetes.io/':'x','kubernetes.io/role':'worker'}},
                 'spec':{'unschedulable':true},
                 'status':{'conditions':[{'type':'MemoryPressure','status':'False'},{'type':'Ready','status':'True'}],
                  'addresses':[{'type':'Hostname','address':'node1'},{'type':'InternalIP','address':'192.168.1.10'}],
                  'nodeInfo':{'kubeletVersion':'v1.32.0','osImage':'Debian GNU/Linux 12 (bookworm)','kernelVersion':'6.1.0',
                   'containerRuntimeVersion':''}}}"""));
        assertThat(cells(t)).containsExactly("node1", "Ready,SchedulingDisabled", "control-plane,worker", "2d4h",
                "v1.32.0", "192.168.1.10", "<none>", "Debian GNU/Linux 12 (bookworm)", "6.1.0", "<unknown>");
    }

    @Test
    void nodeWithoutReadyConditionIsUnknownAndNotReadyWhenFalse() {
        assertThat(cells(table("nodes", json("{'metadata':{'name':'n'}}"))).subList(1, 3))
                .containsExactly("Unknown", "<none>");
        assertThat(cells(table("nodes", json(
                "{'metadata':{'name':'n'},'status':{'conditions':[{'type':'Ready','status':'Unknown'}]}}"))).get(1))
                .isEqualTo("NotReady");
    }

    @Test
    void serviceCellsForClusterIpNodePortAndPendingLoadBalancer() {
        ObjectNode clusterIp = table("services", json("""
                {'kind':'Service','metadata':{'name':'websvc','creationTimestamp':'2024-05-01T11:00:00Z'},
                 'spec':{'type':'ClusterIP','clusterIP':'10.96.0.12','clusterIPs':['10.96.0.12'],
                  'ports':[{'port':80,'targetPort':8080,'protocol':'TCP'}],'selector':{'run':'web','app':'x'}}}"""));
        assertThat(columnNames(clusterIp)).containsExactly("Name", "Type", "Cluster-IP", "External-IP", "Port(s)",
                "Age", "Selector");
        assertThat(cells(clusterIp)).containsExactly("websvc", "ClusterIP", "10.96.0.12", "<none>", "80/TCP", "60m",
                "app=x,run=web");

        ObjectNode nodePort = table("services", json("""
                {'metadata':{'name':'np'},'spec':{'type':'NodePort','clusterIPs':['10.96.0.13'],'externalIPs':['1.2.3.4'],
                 'ports':[{'port':80,'nodePort':30080,'protocol':'TCP'},{'port':53,'protocol':'UDP'}]}}"""));
        assertThat(cells(nodePort).subList(1, 5)).containsExactly("NodePort", "10.96.0.13", "1.2.3.4",
                "80:30080/TCP,53/UDP");

        ObjectNode pending = table("services", json("""
                {'metadata':{'name':'lb'},'spec':{'type':'LoadBalancer','clusterIPs':['10.96.0.14'],
                 'ports':[{'port':443,'nodePort':31443,'protocol':'TCP'}]},'status':{'loadBalancer':{}}}"""));
        assertThat(cells(pending).subList(1, 5)).containsExactly("LoadBalancer", "10.96.0.14", "<pending>",
                "443:31443/TCP");

        ObjectNode ingress = table("services", json("""
                {'metadata':{'name':'lb'},'spec':{'type':'LoadBalancer','externalIPs':['9.9.9.9']},
                 'status':{'loadBalancer':{'ingress':[{'ip':'5.6.7.8'},{'hostname':'lb.example.com'}]}}}"""));
        assertThat(cells(ingress).subList(2, 5)).containsExactly("<none>", "5.6.7.8,lb.example.com,9.9.9.9", "<none>");
    }

    @Test
    void headlessAndExternalNameServices() {
        assertThat(cells(table("services", json(
                "{'metadata':{'name':'h'},'spec':{'type':'ClusterIP','clusterIP':'None','clusterIPs':['None']}}"))).subList(1, 4))
                .containsExactly("ClusterIP", "None", "<none>");
        assertThat(cells(table("services", json(
                "{'metadata':{'name':'e'},'spec':{'type':'ExternalName','externalName':'db.example.com'}}"))).subList(1, 4))
                .containsExactly("ExternalName", "<none>", "db.example.com");
    }

    @Test
    void secretServiceAccountConfigMapNamespaceAndLeaseCells() {
        assertThat(cells(table("secrets", json("""
                {'metadata':{'name':'regcred','creationTimestamp':'2024-05-01T11:59:30Z'},
                 'type':'kubernetes.io/dockerconfigjson','data':{'.dockerconfigjson':'e30='}}"""))))
                .containsExactly("regcred", "kubernetes.io/dockerconfigjson", 1L, "30s");
        assertThat(cells(table("serviceaccounts", json("{'metadata':{'name':'default'}}"))))
                .containsExactly("default", 0L, "<unknown>");
        assertThat(cells(table("configmaps", json(
                "{'metadata':{'name':'cfg'},'data':{'a':'1','b':'2'},'binaryData':{'c':'AA=='}}"))))
                .containsExactly("cfg", 3L, "<unknown>");
        assertThat(cells(table("namespaces", json("{'metadata':{'name':'ns1'},'status':{'phase':'Terminating'}}"))))
                .containsExactly("ns1", "Terminating", "<unknown>");
        ObjectNode lease = table("leases.coordination.k8s.io", json(
                "{'metadata':{'name':'node1'},'spec':{'holderIdentity':'node1'}}"));
        assertThat(columnNames(lease)).containsExactly("Name", "Holder", "Age");
        assertThat(cells(lease)).containsExactly("node1", "node1", "<unknown>");
        ObjectNode secrets = table("secrets", json("{'metadata':{'name':'s'}}"));
        assertThat(secrets.path("columnDefinitions").get(2).path("type").asText()).isEqualTo("string");
    }

    @Test
    void endpointsListAtMostThreeAddressesThenCountsTheRest() {
        assertThat(cells(table("endpoints", json("{'metadata':{'name':'e'}}"))).get(1)).isEqualTo("<none>");
        assertThat(cells(table("endpoints", json("""
                {'metadata':{'name':'e'},'subsets':[{'addresses':[{'ip':'10.0.0.1'},{'ip':'10.0.0.2'}],
                  'ports':[{'port':80},{'port':443}]},{'addresses':[{'ip':'fd00::1'}],'ports':[{'port':8080}]}]}"""))).get(1))
                .isEqualTo("10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more...");
        assertThat(cells(table("endpoints", json("""
                {'metadata':{'name':'e'},'subsets':[{'addresses':[{'ip':'fd00::1'}],'ports':[{'port':8080}]},
                  {'addresses':[{'ip':'10.0.0.9'}]}]}"""))).get(1))
                .isEqualTo("[fd00::1]:8080,10.0.0.9");
    }

    @Test
    void endpointSlicesListPortsAndEveryAddressAtMostThreeOrUnset() {
        ObjectNode slices = table("endpointslices.discovery.k8s.io", json("""
                {'metadata':{'name':'web-7xk2p','creationTimestamp':'2024-05-01T11:54:00Z'},'addressType':'IPv4',
                 'ports':[{'name':'http','port':8080,'protocol':'TCP'}],
                 'endpoints':[{'addresses':['10.244.0.5'],'conditions':{'ready':true}},
                              {'addresses':['10.244.0.6'],'conditions':{'ready':false}},
                              {'addresses':['10.244.0.7']},{'addresses':['10.244.0.8']}]}"""));
        assertThat(columnNames(slices)).containsExactly("Name", "AddressType", "Ports", "Endpoints", "Age");
        assertThat(cells(slices)).containsExactly("web-7xk2p", "IPv4", "8080",
                "10.244.0.5,10.244.0.6,10.244.0.7 + 1 more...", "6m");
        assertThat(cells(table("endpointslices.discovery.k8s.io", json(
                "{'metadata':{'name':'e'},'addressType':'IPv4','endpoints':[]}"))).subList(2, 4))
                .containsExactly("<unset>", "<unset>");
    }

    @Test
    void resourceQuotaSplitsRequestsAndLimits() {
        ObjectNode t = table("resourcequotas", json("""
                {'metadata':{'name':'q'},'status':{'hard':{'pods':'10','limits.cpu':'2','requests.memory':'1Gi','limits.memory':'2Gi'},
                 'used':{'pods':'3','limits.cpu':'500m','limits.memory':'0'}}}"""));
        assertThat(columnNames(t)).containsExactly("Name", "Request", "Limit", "Age");
        assertThat(cells(t)).containsExactly("q", "pods: 3/10, requests.memory: 0/1Gi",
                "limits.cpu: 500m/2, limits.memory: 0/2Gi", "<unknown>");
    }

    @Test
    void limitRangesUseTheDefaultNameAndCreatedAtColumns() {
        ObjectNode t = table("limitranges", json(
                "{'metadata':{'name':'limits','creationTimestamp':'2024-05-01T10:11:12.345Z'}}"));
        assertThat(columnNames(t)).containsExactly("Name", "Created At");
        assertThat(t.path("columnDefinitions").get(1).path("type").asText()).isEqualTo("date");
        assertThat(cells(t)).containsExactly("limits", "2024-05-01T10:11:12Z");
    }
}
