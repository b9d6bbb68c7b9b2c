/** Who a staff member is to careloop. A person may hold several roles. */
export const ROLES = ['coordinator', 'staff', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
