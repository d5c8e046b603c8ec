package dev.j8s.apiserver.patch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Resources;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/** Objects and resource types shared by the patch tests; JSON is written with single quotes. */
final class PatchFixtures {

    static final Resources RESOURCES = Resources.builtin();
    static final ResourceType PODS = resource("pods");
    static final ResourceType SERVICE_ACCOUNTS = resource("serviceaccounts");
    static final ResourceType SERVICES = resource("services");
    static final ResourceType NODES = resource("nodes");
    static final ResourceType CONFIG_MAPS = resource("configmaps");
    static final ResourceType WIDGETS = new ResourceType("example.com", "v1", "Widget", "widgets", "widget", true,
            List.of(), List.of(), List.of("get", "patch"), List.of(), Object.class, Set.of());

    private PatchFixtures() {}

    static ResourceType resource(String plural) {
        return RESOURCES.find("", "v1", plural).orElseThrow();
    }

    /** Parses JSON written with single quotes instead of double quotes. */
    static ObjectNode json(String singleQuoted) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(singleQuoted.replace('\'', '"'));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] body(String singleQuoted) {
        return singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    static ObjectNode pod() {
        return json("""
                {'apiVersion':'v1','kind':'Pod',
                 'metadata':{'name':'web','namespace':'default','resourceVersion':'7','uid':'u-1',
                             'labels':{'app':'web'},'finalizers':['a','b']},
                 'spec':{'containers':[
                    {'name':'a','image':'busybox:1.36','env':[{'name':'X','value':'1'},{'name':'Y','value':'2'}],
                     'ports':[{'containerPort':80,'protocol':'TCP'}],
                     'volumeMounts':[{'name':'data','mountPath':'/data'}]},
                    {'name':'b','image':'busybox:1.36'}],
                  'volumes':[{'name':'data','emptyDir':{}}],
                  'tolerations':[{'key':'k1','operator':'Exists'}]},
                 'status':{'phase':'Running','conditions':[{'type':'Ready','status':'True'},{'type':'Initialized','status':'True'}]}}
                """);
    }

    static ObjectNode serviceAccount() {
        return json("""
                {'apiVersion':'v1','kind':'ServiceAccount',
                 'metadata':{'name':'default','namespace':'default','resourceVersion':'3'},
                 'secrets':[{'name':'tok'}],
                 'imagePullSecrets':[{'name':'old'}]}
                """);
    }
}
