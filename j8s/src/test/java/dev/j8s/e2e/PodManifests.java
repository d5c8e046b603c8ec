package dev.j8s.e2e;

/** Pod manifests the e2e tests apply with kubectl. Stateless. */
final class PodManifests {

    private PodManifests() {}

    /**
     * A one-shot pod ({@code restartPolicy: Never}, {@code IfNotPresent}) that prints
     * {@code private image ran <what>}, optionally listing the {@code regcred} pull secret.
     */
    static String privateImagePod(String namespace, String name, String image, boolean withSecret, String what) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  restartPolicy: Never
                %s  containers:
                  - name: app
                    image: %s
                    imagePullPolicy: IfNotPresent
                    command: ["sh", "-c", "echo private image ran %s"]
                """.formatted(name, namespace, withSecret ? "  imagePullSecrets:\n  - name: regcred\n" : "", image, what);
    }
}
