import type { DepartmentDirectory } from "./department-directory";
import type { RouteRegistry } from "../../common/route-registry";
import { meSchema } from "./schemas";

export function registerAuthRoutes(registry: RouteRegistry, departments: DepartmentDirectory): void {
  registry.route(
    {
      method: "get",
      path: "/v1/me",
      summary: "The caller's department and role",
      tag: "auth",
      auth: "any",
      responses: { 200: { description: "Who the token acts for", schema: meSchema } },
    },
    async ({ auth }) => {
      const { departmentKey, role } = auth;
      if (departmentKey === null) return { department: null, role };
      // A token may name a department that is not registered on chain yet: say so with null id and name.
      const department = (await departments.byKey(departmentKey)) ?? { key: departmentKey, id: null, name: null };
      return { department, role };
    },
  );
}
