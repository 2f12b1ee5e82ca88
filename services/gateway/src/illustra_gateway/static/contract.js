// The field and stage names, from the API description this origin serves (generated from the server's contract
// models), so that the page keeps no copy of its own. Labels stay in i18n.js.

const { schemas } = (await (await fetch("/openapi.json", { headers: { Accept: "application/json" } })).json()).components;

export const BASIC_FIELDS = Object.keys(schemas.BasicInfoData.properties);
export const TABLE_COLUMNS = Object.keys(schemas.ValueRowData.properties);
// The forward order of the stages a document moves through (error is off it).
export const STAGES = schemas.ProcessingStage.enum.filter((stage) => stage !== "error");
