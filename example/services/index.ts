export * from './service-keys';
export * from './progress/progress-service';
export * from './progress/progress-report';
export { nextSchedule, INITIAL_EASE_FACTOR, MIN_EASE_FACTOR, MASTERED_INTERVAL_DAYS } from './progress/sm2';
export * from './achievements/achievement-service';
export * from './achievements/achievement-catalog';
export { registerServices, serviceTtls, type ServiceTokens } from './register-services';
