import { z } from "zod";

/**
 * A department as the gateway knows it: its configuration key and, once registered on chain, its id and name.
 * The directory is implemented by whoever knows the members (the indexer, or the deployment file before it);
 * routes only see this interface.
 */
export const departmentSchema = z
  .looseObject({
    key: z.string().meta({ example: "data-bureau" }),
    id: z
      .string()
      .nullable()
      .meta({ description: "on-chain department id (bytes32 hex); null until the department is registered" }),
    name: z.string().nullable(),
    code: z.string().optional().meta({ description: "18-character unified social credit code" }),
    level: z.string().optional().meta({ example: "province" }),
    council: z.boolean().optional(),
  })
  .meta({ id: "Department" });
export type Department = z.infer<typeof departmentSchema>;

export interface DepartmentDirectory {
  byKey(key: string): Promise<Department | null> | Department | null;
}
