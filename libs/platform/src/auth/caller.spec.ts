import { ForbiddenError } from '../domain-errors';
import { Caller } from './caller';

describe('Caller', () => {
  const alice = new Caller('alice', 'customer');
  const admin = new Caller('ops-1', 'admin');

  it('lets a customer act only for themselves, an admin for anyone', () => {
    expect(alice.mayActFor('alice')).toBe(true);
    expect(alice.mayActFor('bob')).toBe(false);
    expect(admin.mayActFor('bob')).toBe(true);
  });

  it("scopes a customer's requests to their own things, whether or not they name themselves", () => {
    expect(alice.customerScope(undefined)).toBe('alice');
    expect(alice.customerScope('alice')).toBe('alice');
    expect(() => alice.customerScope('bob')).toThrow(ForbiddenError);
  });

  it("scopes an admin's requests to the customer named, or to everyone", () => {
    expect(admin.customerScope('bob')).toBe('bob');
    expect(admin.customerScope(undefined)).toBeUndefined();
  });
});
