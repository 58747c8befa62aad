import type { RouteRegistry } from "../../common/route-registry";
import { departmentIdParamsSchema, memberListSchema, memberSchema } from "./schemas";
import type { DepartmentService } from "./service";

export function registerDepartmentRoutes(registry: RouteRegistry, departments: DepartmentService): void {
  registry.route(
    {
      method: "get",
      path: "/v1/departments",
      summary: "List the member departments",
      tag: "departments",
      auth: "any",
      responses: { 200: { description: "Members, as of the block given", schema: memberListSchema } },
    },
    () => departments.list(),
  );
  registry.route(
    {
      method: "get",
      path: "/v1/departments/:id",
      summary: "One member department with its operator accounts",
      tag: "departments",
      auth: "any",
      params: departmentIdParamsSchema,
      responses: {
        200: { description: "The member", schema: memberSchema },
        404: { description: "No such member" },
      },
    },
    ({ params }) => departments.detail(params.id),
  );
}
