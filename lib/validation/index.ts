export { MessageValidationError, type MessageValidationIssue } from './message-validation.error';
export { MessageValidator } from './message.validator';
