package dev.j8s.kubelet.credentials;

import java.nio.file.Path;

/**
 * Where a credential came from, for trial order, pull records (KEP-2535) and {@code explain}; never holds a
 * credential value. Immutable and thread-safe.
 */
public sealed interface CredentialSource {
    /** A short human description, e.g. {@code pull secret default/regcred}. */
    String describe();

    /** True for node-wide sources (files, helpers, plugins): any pod on the node may use what they pulled. */
    default boolean nodeWide() {
        return !(this instanceof PullSecret);
    }

    /** A pod {@code imagePullSecrets} entry. */
    record PullSecret(String namespace, String name, String uid, String type) implements CredentialSource {
        @Override
        public String describe() {
            return "pull secret " + namespace + "/" + name + " (" + type + ")";
        }
    }

    /** An {@code auths} entry of a node docker config file. */
    record NodeConfigFile(Path file) implements CredentialSource {
        @Override
        public String describe() {
            return "node config " + file;
        }
    }

    /** A docker credential helper named by a node config file's {@code credHelpers} or {@code credsStore}. */
    record CredentialHelper(String helper, Path file) implements CredentialSource {
        @Override
        public String describe() {
            return "credential helper docker-credential-" + helper + " (from " + file + ")";
        }
    }

    /** An exec credential-provider plugin of the {@code CredentialProviderConfig}. */
    record Plugin(String provider) implements CredentialSource {
        @Override
        public String describe() {
            return "credential provider plugin " + provider;
        }
    }

    /** The built-in GCR / Artifact Registry provider (GCE metadata server token). */
    record GceMetadata(String tokenUrl) implements CredentialSource {
        @Override
        public String describe() {
            return "built-in gcr provider (" + tokenUrl + ")";
        }
    }
}
