import { ClsServiceManager } from 'nestjs-cls';

/** CLS key: set by EventConsumer when the message being applied has leave to wait for row locks. */
export const MAY_WAIT_FOR_LOCKS = 'messaging.mayWaitForLocks';

/**
 * Thrown by a handler instead of waiting for a row lock another transaction holds. In a batch, the
 * batch rolls back and its messages are applied one at a time; a message alone is applied again in
 * a fresh transaction, holding no lock, that may wait. Transactions that never wait for such locks
 * cannot close a cycle of waits with anyone.
 */
export class WouldWaitForLock extends Error {}

/**
 * Whether the handler may wait for a lock: only in the fresh transaction of a message alone whose
 * first attempt threw WouldWaitForLock. Otherwise it should throw WouldWaitForLock instead.
 */
export function mayWaitForLocks(): boolean {
  return ClsServiceManager.getClsService().get<boolean>(MAY_WAIT_FOR_LOCKS) === true;
}
