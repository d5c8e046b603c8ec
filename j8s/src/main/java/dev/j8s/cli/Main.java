package dev.j8s.cli;

import java.io.PrintStream;
import java.lang.System.Logger.Level;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** The {@code j8s} command and its entry point. Not thread-safe. */
@Command(name = "j8s", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Kubernetes pods on one machine: an API server the real kubectl drives, and a kubelet.",
        subcommands = CommandLine.HelpCommand.class)
public final class Main implements Runnable {

    // No static System.Logger here: creating one starts java.util.logging before main() can choose its manager.

    private final CommandLine commandLine;

    private Main(HostEnvironment host, PrintStream out) {
        this.commandLine = new CommandLine(this);
        commandLine.addSubcommand("server", new ServerCommand(host, out));
        commandLine.addSubcommand("agent", new AgentCommand(host, out));
        commandLine.addSubcommand("version", new VersionCommand(out));
        commandLine.addSubcommand("kubeconfig", new KubeconfigCommand(host, out));
        commandLine.addSubcommand("token", new TokenCommand(host, out));
        commandLine.addSubcommand("images", new ImagesCommand(host, out));
        commandLine.addSubcommand("credentials", new CredentialsCommand(host, out));
        commandLine.addSubcommand("reset", new ResetCommand(host, out));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        reportErrors(commandLine);
    }

    /** A failing command prints {@code j8s <command>: <message>} on stderr and exits with status 1. */
    static void reportErrors(CommandLine commandLine) {
        commandLine.setExecutionExceptionHandler((e, cl, parseResult) -> {
            System.getLogger(Main.class.getName()).log(Level.DEBUG, "command failed", e);
            cl.getErr().println("j8s " + cl.getCommandName() + ": " + describe(e));
            return 1;
        });
    }

    /** The picocli command line for {@code host}, printing results to {@code out}. */
    static CommandLine commandLine(HostEnvironment host, PrintStream out) {
        return new Main(host, out).commandLine;
    }

    public static void main(String[] args) {
        if (System.getProperty(Logging.MANAGER_PROPERTY) == null) {
            System.setProperty(Logging.MANAGER_PROPERTY, Logging.KeepHandlersUntilExit.class.getName());
        }
        Logging.install();
        int code = commandLine(HostEnvironment.current(), System.out).execute(args);
        System.exit(code);
    }

    @Override
    public void run() {
        commandLine.usage(commandLine.getOut());
    }

    private static String describe(Throwable e) {
        StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
        // Name the underlying cause once, e.g. "write /x/kubeconfig: /x: Permission denied".
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !message.toString().contains(cause.getMessage())) {
            message.append(": ").append(cause.getMessage());
        }
        return message.toString();
    }

    /** {@code j8s --version}. */
    static final class VersionProvider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"j8s " + Versions.j8s() + " (Kubernetes API " + Versions.KUBERNETES + ")"};
        }
    }
}
