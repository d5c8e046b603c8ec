package dev.j8s.apiserver.authorization.rbac;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;

/** RBAC objects for tests, written compactly with single quotes. */
final class RbacFixtures {

    private RbacFixtures() {}

    static ObjectNode json(String compact) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(compact.replace('\'', '"'));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(compact, e);
        }
    }

    static ObjectNode clusterRole(String name, String rules) {
        return json("{'kind':'ClusterRole','metadata':{'name':'" + name + "'},'rules':" + rules + "}");
    }

    static ObjectNode role(String namespace, String name, String rules) {
        return json("{'kind':'Role','metadata':{'name':'" + name + "','namespace':'" + namespace + "'},'rules':" + rules + "}");
    }

    static ObjectNode clusterBinding(String name, String role, String subjects) {
        return json("{'kind':'ClusterRoleBinding','metadata':{'name':'" + name + "'},'roleRef':{'apiGroup':"
                + "'rbac.authorization.k8s.io','kind':'ClusterRole','name':'" + role + "'},'subjects':" + subjects + "}");
    }

    static ObjectNode binding(String namespace, String name, String kind, String role, String subjects) {
        return json("{'kind':'RoleBinding','metadata':{'name':'" + name + "','namespace':'" + namespace + "'},"
                + "'roleRef':{'apiGroup':'rbac.authorization.k8s.io','kind':'" + kind + "','name':'" + role + "'},"
                + "'subjects':" + subjects + "}");
    }
}
