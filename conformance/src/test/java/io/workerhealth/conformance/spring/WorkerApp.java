package io.workerhealth.conformance.spring;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * A Spring Boot app as a user would write one: worker health indicators (two consumers in a composite, a scheduler
 * whose details hold its last run's status), Spring's own indicators, health groups, probes, a custom status, and
 * Spring Security. The test sets each worker's health through {@link #HEALTH}.
 */
@SpringBootApplication
public class WorkerApp {

  /** What each worker indicator answers, by bean name; UP when absent. */
  public static final Map<String, Health> HEALTH = new ConcurrentHashMap<>();

  public static ConfigurableApplicationContext start(String... properties) {
    SpringApplication app = new SpringApplication(WorkerApp.class);
    app.setDefaultProperties(Map.of("spring.main.banner-mode", "off"));
    String[] args = new String[properties.length];
    for (int i = 0; i < properties.length; i++) {
      args[i] = "--" + properties[i];
    }
    return app.run(args);
  }

  private static HealthIndicator worker(String name) {
    return () -> HEALTH.getOrDefault(name, Health.up().build());
  }

  @Bean
  HealthContributor kafka() {
    return CompositeHealthContributor.fromMap(Map.of(
        "orders-consumer", worker("kafka/orders-consumer"),
        "billing-consumer", worker("kafka/billing-consumer")));
  }

  @Bean
  HealthIndicator scheduler() {
    return worker("scheduler");
  }

  @Bean
  HealthIndicator mailer() {
    return worker("mailer");
  }

  /** Health open to anyone (details only as each group allows); everything else needs a login. */
  @Bean
  SecurityFilterChain security(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(a -> a.requestMatchers("/actuator/health", "/actuator/health/**").permitAll()
            .anyRequest().authenticated())
        .httpBasic(b -> { })
        .csrf(c -> c.disable())
        .build();
  }

  @Bean
  UserDetailsService users() {
    return new InMemoryUserDetailsManager(User.withUsername("ops").password("{noop}secret").roles("ACTUATOR").build());
  }
}
