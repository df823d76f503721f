package io.workerhealth.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The components' logs go to a file, so the terminal shows only what a user would see with kubectl. Configured in
 * code, like the sidecar's and the operator's logging. The sample app logs through java.util.logging; that is
 * forwarded to the same file.
 */
final class DemoLogging {

  private DemoLogging() {}

  static void toFile(Path file) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n");
    encoder.start();
    FileAppender<ILoggingEvent> appender = new FileAppender<>();
    appender.setContext(context);
    appender.setFile(file.toString());
    appender.setEncoder(encoder);
    appender.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(appender);

    java.util.logging.Logger julRoot = LogManager.getLogManager().getLogger("");
    for (Handler h : julRoot.getHandlers()) {
      julRoot.removeHandler(h);
    }
    julRoot.addHandler(new Handler() {
      @Override
      public void publish(LogRecord record) {
        Logger logger = LoggerFactory.getLogger(record.getLoggerName() == null ? "jul" : record.getLoggerName());
        String message = new java.util.logging.SimpleFormatter().formatMessage(record);
        int level = record.getLevel().intValue();
        if (level >= java.util.logging.Level.SEVERE.intValue()) {
          logger.error(message, record.getThrown());
        } else if (level >= java.util.logging.Level.WARNING.intValue()) {
          logger.warn(message, record.getThrown());
        } else if (level >= java.util.logging.Level.INFO.intValue()) {
          logger.info(message, record.getThrown());
        } else {
          logger.debug(message, record.getThrown());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    });
  }
}
