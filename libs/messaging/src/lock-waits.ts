import { ClsServiceManager } from 'nestjs-cls';

/** CLS key: set by EventConsumer while it applies a message in a transaction of its own. */
export const APPLIED_ALONE = 'messaging.appliedAlone';

/**
 * Thrown by a handler applied in a batch instead of waiting for a row lock another transaction
 * holds. The batch rolls back and its messages are applied one at a time, where the handler may
 * wait. Batches that never wait for such locks cannot close a cycle of waits with anyone.
 */
export class WouldWaitForLock extends Error {}

/**
 * Whether the message being applied has its transaction to itself, so that its handler may wait
 * for a lock; false in a batch, where it should throw WouldWaitForLock instead.
 */
export function mayWaitForLocks(): boolean {
  return ClsServiceManager.getClsService().get<boolean>(APPLIED_ALONE) === true;
}
