package io.workerhealth.operator.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.Logger;

/**
 * JSON lines on stdout, level from {@code WH_LOG_LEVEL}. Configured in code rather than logback.xml: the XML
 * configurator loads an XML parser and a few hundred classes, which the operator does not need.
 */
public final class JsonLogConfigurator extends ContextAwareBase implements Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(context);
    encoder.setIncludeContext(false);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("json");
    console.setEncoder(encoder);
    console.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(System.getenv().getOrDefault("WH_LOG_LEVEL", "INFO"), Level.INFO));
    root.addAppender(console);
    context.getLogger("io.fabric8").setLevel(Level.WARN);
    context.getLogger("okhttp3").setLevel(Level.WARN);
    // "unstable version v1alpha1" is known and said once per start; not worth a warning in every pod's log
    context.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils").setLevel(Level.ERROR);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
