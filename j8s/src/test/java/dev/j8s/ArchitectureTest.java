package dev.j8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the layout the architecture (see ARCHITECTURE.md): a module depends only on the modules above it,
 * the API server's lower layers never reach into its HTTP layer, no module's packages form a cycle, and
 * every package says what it owns in a {@code package-info.java}.
 *
 * <p>It reads the sources, not the class files: every {@code dev.j8s.…} name in code (imports and fully
 * qualified names; comments and string literals are ignored) is a dependency of the file's package on
 * the package named, and a package belongs to the module whose {@code src/main/java} holds it.
 */
class ArchitectureTest {

    /** The reactor's modules, in dependency order, and the modules each may use. */
    private static final Map<String, Set<String>> ALLOWED = orderedMap(
            "oci", Set.of(),
            "runtime", Set.of(),
            "api", Set.of(),
            "apiserver", Set.of("api"),
            "kubelet", Set.of("api", "oci", "runtime"),
            "controllers", Set.of("api"),
            "proxy", Set.of("api", "runtime", "controllers"),
            "j8s", Set.of("oci", "runtime", "api", "apiserver", "kubelet", "controllers", "proxy"));

    private static final String APISERVER = "dev.j8s.apiserver";
    private static final String HTTP = "http";
    /** API-server layers that the HTTP layer uses and that must not use it. */
    private static final Set<String> BELOW_HTTP =
            Set.of("storage", "patch", "protobuf", "printers", "selection", "openapi", "admission");
    /** Per module, the packages every other package of it may use; cycles through them do not count. */
    private static final Map<String, Set<String>> SHARED = Map.of("apiserver", Set.of("errors", "json", "registry"));
    /**
     * Modules whose root package is a composition root that wires every layer ({@code ApiServer},
     * {@code ApiServerConfig}); edges from and to it do not count as cycles.
     */
    private static final Set<String> COMPOSITION_ROOTS = Set.of("apiserver");

    private static final Path ROOT = repositoryRoot();
    private static final Sources SOURCES = Sources.scan(ROOT);

    @Test
    void theReactorHasExactlyTheModulesTheseRulesKnow() {
        assertThat(reactorModules(ROOT))
                .as("modules of %s; a new module needs its place in ALLOWED here and in ARCHITECTURE.md",
                        ROOT.resolve("pom.xml"))
                .containsExactlyElementsOf(ALLOWED.keySet());
    }

    @Test
    void theScanSeesEveryModuleAndTheCommandLinesUseOfTheApiServer() {
        // Guards the guard: if the scan found nothing, every other rule would pass vacuously.
        assertThat(SOURCES.files()).extracting(SourceFile::module).containsAll(ALLOWED.keySet());
        assertThat(SOURCES.files())
                .filteredOn(f -> f.path().endsWith(Path.of("dev/j8s/cli/ServerCommand.java")))
                .flatExtracting(SourceFile::references)
                .extracting(Reference::pkg)
                .contains(APISERVER);
    }

    @Test
    void everyModuleDependsOnlyOnModulesAboveIt() {
        List<String> violations = new ArrayList<>();
        for (SourceFile file : SOURCES.files()) {
            for (Reference ref : file.references()) {
                String target = SOURCES.moduleOf(ref.pkg());
                if (!target.equals(file.module()) && !ALLOWED.getOrDefault(file.module(), Set.of()).contains(target)) {
                    violations.add(file.at(ref) + ": module " + file.module() + " may not depend on module " + target
                            + " (" + file.pkg() + " -> " + ref.name() + "); " + file.module() + " may use only "
                            + new TreeSet<>(ALLOWED.getOrDefault(file.module(), Set.of())));
                }
            }
        }
        assertNone(violations, "module dependencies against the architecture");
    }

    /**
     * A module's main code may use only the modules ALLOWED names; its tests may also use any module above it in
     * the reactor (the controllers' tests run against the real API server, their code reaches it only through
     * {@code api}).
     */
    @Test
    void modulePomsDeclareOnlyModulesAboveThem() {
        Pattern dependency = Pattern.compile(
                "<dependency>\\s*<groupId>dev\\.j8s</groupId>\\s*<artifactId>j8s-([a-z]+)</artifactId>(.*?)</dependency>",
                Pattern.DOTALL);
        List<String> order = List.copyOf(ALLOWED.keySet());
        List<String> violations = new ArrayList<>();
        for (String module : ALLOWED.keySet()) {
            Path pom = ROOT.resolve(module).resolve("pom.xml");
            String text = read(pom);
            Matcher m = dependency.matcher(text);
            while (m.find()) {
                String target = m.group(1);
                boolean testScope = m.group(2).contains("<scope>test</scope>");
                boolean allowed = ALLOWED.get(module).contains(target)
                        || testScope && order.indexOf(target) >= 0 && order.indexOf(target) < order.indexOf(module);
                if (!allowed) {
                    violations.add(ROOT.relativize(pom) + ":" + lineOf(text, m.start())
                            + ": module " + module + " may not depend on module " + target
                            + (testScope ? " (not even in tests: it is not above it)" : ""));
                }
            }
        }
        assertNone(violations, "pom dependencies against the architecture");
    }

    @Test
    void noPackageIsSplitAcrossModules() {
        List<String> violations = SOURCES.splitPackages().entrySet().stream()
                .map(e -> "package " + e.getKey() + " is in modules " + e.getValue())
                .toList();
        assertNone(violations, "split packages");
    }

    @Test
    void apiServerLayersBelowHttpDoNotDependOnIt() {
        List<String> violations = new ArrayList<>();
        for (SourceFile file : SOURCES.files()) {
            if (!BELOW_HTTP.contains(apiServerPart(file.pkg()))) {
                continue;
            }
            for (Reference ref : file.references()) {
                if (HTTP.equals(apiServerPart(ref.pkg()))) {
                    violations.add(file.at(ref) + ": " + file.pkg() + " may not depend on the HTTP layer ("
                            + ref.name() + "); the HTTP layer uses " + apiServerPart(file.pkg()) + ", not the reverse");
                }
            }
        }
        assertNone(violations, "API-server layers that reach into " + APISERVER + "." + HTTP);
    }

    @Test
    void noModulesPackagesFormACycleExceptThroughSharedPackages() {
        List<String> violations = new ArrayList<>();
        for (String module : ALLOWED.keySet()) {
            Map<String, Map<String, String>> edges = packageGraph(module, SOURCES.files());
            for (Set<String> cycle : Cycles.find(edges.keySet(), p -> edges.get(p).keySet())) {
                StringBuilder message = new StringBuilder("cycle between " + moduleRoot(module) + " packages "
                        + cycle + ":");
                for (String from : cycle) {
                    edges.get(from).forEach((to, where) -> {
                        if (cycle.contains(to)) {
                            message.append("\n    ").append(where).append(": ").append(from).append(" -> ").append(to);
                        }
                    });
                }
                violations.add(message.toString());
            }
        }
        assertNone(violations, "package cycles (" + SHARED + " may be used by every package of their module and do"
                + " not count)");
    }

    @Test
    void everyPackageHasAPackageInfo() {
        List<String> violations = SOURCES.files().stream()
                .map(f -> f.path().getParent())
                .distinct()
                .filter(dir -> !Files.exists(dir.resolve("package-info.java")))
                .map(dir -> ROOT.relativize(dir) + ": no package-info.java (one sentence: what the package owns and"
                        + " which upstream package it corresponds to)")
                .sorted()
                .toList();
        assertNone(violations, "packages without package-info.java");
    }

    // The checks above are only as good as the scanner and the cycle finder; these show both can fail.

    @Test
    void scannerFindsImportsAndQualifiedNamesButNotCommentsOrStrings() {
        String source = """
                package dev.j8s.kubelet;
                import dev.j8s.oci.registry.Client;
                import static dev.j8s.api.Cluster.remote;
                // dev.j8s.apiserver.http.Handler is mentioned here only
                /* dev.j8s.apiserver.storage.Store
                   neither here */
                class X {
                    String s = "dev.j8s.runtime.Nope";
                    String t = \"""
                        dev.j8s.runtime.NopeEither
                        \""";
                    char c = '"'; dev.j8s.runtime.cni.Cni cni = new dev.j8s.runtime.cni.Cni();
                    /** {@link dev.j8s.kubelet.Y} */ int i;
                }
                """;
        assertThat(Sources.references(source))
                .extracting(r -> r.name() + "@" + r.line())
                .containsExactly("dev.j8s.oci.registry.Client@2", "dev.j8s.api.Cluster.remote@3",
                        "dev.j8s.runtime.cni.Cni@12", "dev.j8s.runtime.cni.Cni@12");
    }

    @Test
    void packageGraphsHoldTheEdgesBetweenEachModulesPackages() {
        // Guards the cycle check: an empty graph would have no cycles.
        assertThat(packageGraph("kubelet", SOURCES.files()).get("kuberuntime")).containsKey("container");
        assertThat(packageGraph("runtime", SOURCES.files()).get("conmon")).containsKey("");
        assertThat(packageGraph("j8s", SOURCES.files())).containsKey("cli");
        assertThat(packageGraph("apiserver", SOURCES.files())).doesNotContainKey("").hasEntrySatisfying("http",
                out -> assertThat(out).containsKey("storage").doesNotContainKey("errors"));
    }

    @Test
    void cycleFinderReportsEachCycleOnceAndIgnoresAcyclicEdges() {
        Map<String, Set<String>> graph = Map.of(
                "a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a", "d"),
                "d", Set.of(), "e", Set.of("e"), "f", Set.of("d"));
        assertThat(Cycles.find(new TreeSet<>(graph.keySet()), graph::get))
                .containsExactlyInAnyOrder(Set.of("a", "b", "c"), Set.of("e"));
    }

    // ---- the model of the sources -------------------------------------------------------------------

    /** One reference from a source file to a {@code dev.j8s} name, with the package that name lies in. */
    record Reference(String name, String pkg, int line) {}

    record SourceFile(Path path, String module, String pkg, List<Reference> references) {
        String at(Reference ref) {
            return ROOT.relativize(path) + ":" + ref.line();
        }
    }

    /** All main sources of the reactor. */
    record Sources(List<SourceFile> files, Map<String, Set<String>> modulesByPackage) {

        private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;");
        private static final Pattern NAME = Pattern.compile("(?<![\\w.])dev\\.j8s(?:\\.[A-Za-z_]\\w*)+(?:\\.\\*)?");

        static Sources scan(Path root) {
            Map<Path, String> texts = new LinkedHashMap<>();
            Map<Path, String> modules = new HashMap<>();
            Map<String, Set<String>> modulesByPackage = new TreeMap<>();
            for (String module : reactorModules(root)) {
                Path sources = root.resolve(module).resolve("src/main/java");
                if (!Files.isDirectory(sources)) {
                    continue;
                }
                try (Stream<Path> walk = Files.walk(sources)) {
                    for (Path file : walk.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                        String text = read(file);
                        texts.put(file, text);
                        modules.put(file, module);
                        modulesByPackage.computeIfAbsent(packageOf(sources, file, text), k -> new TreeSet<>()).add(module);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("scan " + sources, e);
                }
            }
            List<SourceFile> files = new ArrayList<>();
            texts.forEach((file, text) -> {
                List<Reference> refs = references(text).stream()
                        .map(r -> new Reference(r.name(), packageNamed(r.name(), modulesByPackage.keySet()), r.line()))
                        .toList();
                Path sources = root.resolve(modules.get(file)).resolve("src/main/java");
                files.add(new SourceFile(file, modules.get(file), packageOf(sources, file, text), refs));
            });
            return new Sources(List.copyOf(files), modulesByPackage);
        }

        /** The module holding {@code pkg}; for a package no module holds yet, the module its name says. */
        String moduleOf(String pkg) {
            Set<String> holders = modulesByPackage.get(pkg);
            if (holders != null && !holders.isEmpty()) {
                return holders.iterator().next();
            }
            String[] parts = pkg.split("\\.");
            return parts.length > 2 ? parts[2] : "j8s";
        }

        Map<String, Set<String>> splitPackages() {
            return modulesByPackage.entrySet().stream()
                    .filter(e -> e.getValue().size() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
        }

        /** Every {@code dev.j8s} name in code, with its line; {@code pkg} is left empty. */
        static List<Reference> references(String source) {
            String code = blankCommentsAndStrings(source);
            List<Reference> refs = new ArrayList<>();
            Matcher m = NAME.matcher(code);
            while (m.find()) {
                int lineStart = code.lastIndexOf('\n', m.start()) + 1;
                if (code.substring(lineStart, m.start()).strip().equals("package")) {
                    continue;
                }
                String name = m.group().endsWith(".*") ? m.group().substring(0, m.group().length() - 2) : m.group();
                refs.add(new Reference(name, "", lineOf(code, m.start())));
            }
            return refs;
        }

        /**
         * The longest known package that {@code name} starts with; failing that, its leading lower-case
         * segments (by Java convention types and members start with a capital or follow one).
         */
        static String packageNamed(String name, Set<String> known) {
            String candidate = name;
            while (candidate.contains(".")) {
                if (known.contains(candidate)) {
                    return candidate;
                }
                candidate = candidate.substring(0, candidate.lastIndexOf('.'));
            }
            List<String> segments = new ArrayList<>();
            for (String s : name.split("\\.")) {
                if (Character.isUpperCase(s.charAt(0))) {
                    break;
                }
                segments.add(s);
            }
            return String.join(".", segments);
        }

        private static String packageOf(Path sources, Path file, String text) {
            Matcher m = PACKAGE.matcher(blankCommentsAndStrings(text));
            if (m.find()) {
                return m.group(1);
            }
            return sources.relativize(file.getParent()).toString().replace('/', '.');
        }

        /** Replaces comments, string, text-block and char literals with spaces, keeping every line break. */
        static String blankCommentsAndStrings(String s) {
            StringBuilder out = new StringBuilder(s.length());
            int i = 0;
            int n = s.length();
            while (i < n) {
                char c = s.charAt(i);
                if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                    while (i < n && s.charAt(i) != '\n') {
                        out.append(' ');
                        i++;
                    }
                } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                    int end = s.indexOf("*/", i + 2);
                    end = end < 0 ? n : end + 2;
                    blank(s, i, end, out);
                    i = end;
                } else if (s.startsWith("\"\"\"", i)) {
                    int end = i + 3;
                    while (end < n && !s.startsWith("\"\"\"", end)) {
                        end += s.charAt(end) == '\\' ? 2 : 1;
                    }
                    end = Math.min(n, end + 3);
                    blank(s, i, end, out);
                    i = end;
                } else if (c == '"' || c == '\'') {
                    int end = i + 1;
                    while (end < n && s.charAt(end) != c && s.charAt(end) != '\n') {
                        end += s.charAt(end) == '\\' ? 2 : 1;
                    }
                    end = Math.min(n, end + 1);
                    blank(s, i, end, out);
                    i = end;
                } else {
                    out.append(c);
                    i++;
                }
            }
            return out.toString();
        }

        private static void blank(String s, int from, int to, StringBuilder out) {
            for (int k = from; k < to; k++) {
                out.append(s.charAt(k) == '\n' ? '\n' : ' ');
            }
        }
    }

    /** Strongly connected components (Tarjan) that are cycles: two or more packages, or one using itself. */
    static final class Cycles {
        private final java.util.function.Function<String, Set<String>> next;
        private final Map<String, Integer> index = new HashMap<>();
        private final Map<String, Integer> low = new HashMap<>();
        private final Deque<String> stack = new ArrayDeque<>();
        private final Set<String> onStack = new LinkedHashSet<>();
        private final List<Set<String>> cycles = new ArrayList<>();

        private Cycles(java.util.function.Function<String, Set<String>> next) {
            this.next = next;
        }

        static List<Set<String>> find(Set<String> nodes, java.util.function.Function<String, Set<String>> next) {
            Cycles c = new Cycles(next);
            for (String node : nodes) {
                if (!c.index.containsKey(node)) {
                    c.visit(node);
                }
            }
            return c.cycles;
        }

        private void visit(String v) {
            index.put(v, index.size());
            low.put(v, index.get(v));
            stack.push(v);
            onStack.add(v);
            for (String w : next.apply(v)) {
                if (!index.containsKey(w)) {
                    visit(w);
                    low.put(v, Math.min(low.get(v), low.get(w)));
                } else if (onStack.contains(w)) {
                    low.put(v, Math.min(low.get(v), index.get(w)));
                }
            }
            if (low.get(v).equals(index.get(v))) {
                Set<String> component = new TreeSet<>();
                String w;
                do {
                    w = stack.pop();
                    onStack.remove(w);
                    component.add(w);
                } while (!w.equals(v));
                if (component.size() > 1 || next.apply(v).contains(v)) {
                    cycles.add(component);
                }
            }
        }
    }

    /**
     * Edges between the top-level packages of {@code module} below its root package (a reference from
     * {@code apiserver.http.watch} to {@code apiserver.storage.sqlite} is {@code http -> storage}; the root package
     * itself is {@code ""}), each with the first place it occurs. Edges into the module's shared packages are left
     * out, and so is the root package of a composition-root module.
     */
    private static Map<String, Map<String, String>> packageGraph(String module, List<SourceFile> files) {
        String root = moduleRoot(module);
        Set<String> shared = SHARED.getOrDefault(module, Set.of());
        boolean skipRoot = COMPOSITION_ROOTS.contains(module);
        Map<String, Map<String, String>> edges = new TreeMap<>();
        for (SourceFile file : files) {
            if (!file.module().equals(module)) {
                continue;
            }
            String from = part(root, file.pkg());
            if (skipRoot && from.isEmpty()) {
                continue;
            }
            Map<String, String> out = edges.computeIfAbsent(from, k -> new TreeMap<>());
            for (Reference ref : file.references()) {
                if (!SOURCES.moduleOf(ref.pkg()).equals(module)) {
                    continue;
                }
                String to = part(root, ref.pkg());
                if (!to.equals(from) && !shared.contains(to) && !(skipRoot && to.isEmpty())) {
                    out.putIfAbsent(to, file.at(ref));
                    edges.computeIfAbsent(to, k -> new TreeMap<>());
                }
            }
        }
        return edges;
    }

    /** The package every package of {@code module} lies in: {@code dev.j8s.<module>}, or {@code dev.j8s} for j8s. */
    private static String moduleRoot(String module) {
        return module.equals("j8s") ? "dev.j8s" : "dev.j8s." + module;
    }

    /** {@code storage} for {@code dev.j8s.apiserver.storage.sqlite} under {@code dev.j8s.apiserver}; the root is "". */
    private static String part(String root, String pkg) {
        if (pkg.equals(root)) {
            return "";
        }
        if (!pkg.startsWith(root + ".")) {
            return pkg; // not below the root (no such package in the module): kept whole
        }
        String rest = pkg.substring(root.length() + 1);
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    /** {@code storage} for {@code dev.j8s.apiserver.storage.sqlite}; empty outside the API server's subpackages. */
    private static String apiServerPart(String pkg) {
        return pkg.startsWith(APISERVER + ".") ? part(APISERVER, pkg) : "";
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static void assertNone(List<String> violations, String what) {
        assertThat(violations)
                .withFailMessage(() -> violations.size() + " " + what + ":\n  " + String.join("\n  ", violations))
                .isEmpty();
    }

    /** The reactor root: the nearest directory at or above the working directory whose pom lists modules. */
    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            if (Files.exists(pom) && read(pom).contains("<modules>")) {
                return dir;
            }
        }
        throw new IllegalStateException("no reactor pom.xml at or above " + Path.of("").toAbsolutePath());
    }

    private static List<String> reactorModules(Path root) {
        Matcher m = Pattern.compile("<module>\\s*([^<\\s]+)\\s*</module>").matcher(read(root.resolve("pom.xml")));
        List<String> modules = new ArrayList<>();
        while (m.find()) {
            modules.add(m.group(1));
        }
        return modules;
    }

    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file, e);
        }
    }

    private static Map<String, Set<String>> orderedMap(Object... keysAndValues) {
        Map<String, Set<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            @SuppressWarnings("unchecked")
            Set<String> value = (Set<String>) keysAndValues[i + 1];
            map.put((String) keysAndValues[i], value);
        }
        return map;
    }
}
